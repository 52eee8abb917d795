/**
 * What the client sent, kept beside the gateway's internal (OpenAI-shaped) request so a
 * provider of the client's own dialect can forward it as sent (the lossless relay). Under a
 * symbol: no client JSON can set it and no serialisation sends it upstream by accident.
 */
export const ORIGIN = Symbol('client origin');

export interface Origin {
  /** The `/v1/messages` body as the client sent it (after input-guard redactions). */
  anthropic?: Record<string, unknown>;
  /**
   * The `/v1/responses` body for a provider that serves the Responses API: as sent, with the
   * context Infe keeps already expanded into `input` and no state fields (src/routes/responses.ts).
   */
  responses?: Record<string, unknown>;
  /** Request headers whose names a provider's allow-list may forward (lower-case). */
  headers: Readonly<Record<string, string>>;
}

export interface ClientOrigin {
  [ORIGIN]?: Origin;
}

/** Headers a provider may forward: never credentials, never hop-by-hop ones. */
const FORWARDABLE = /^(anthropic-beta|anthropic-version|openai-organization|openai-project|http-referer|x-title)$/;
const MAX_HEADER_CHARS = 1024;

export function forwardableHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (FORWARDABLE.test(name) && value.length <= MAX_HEADER_CHARS) out[name] = value;
  });
  return out;
}
