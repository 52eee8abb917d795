import type { ChatRequest } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';

/** Fields that change how an answer is delivered or run, never what it says. */
const DELIVERY_ONLY = new Set(['stream', 'stream_options', 'infe']);

/** JSON with object keys sorted, so the same request in another key order is the same entry. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, field]) => field !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([name, field]) => `${JSON.stringify(name)}:${canonical(field)}`).join(',')}}`;
}

/** A request body without its delivery-only fields (top level only: a tool may well have a `stream` parameter). */
function answerFields(body: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!body) return undefined;
  return Object.fromEntries(Object.entries(body).filter(([name]) => !DELIVERY_ONLY.has(name)));
}

export interface KeyParts {
  /** `key:<id>` (the caller's own) or `gateway` (shared where the operator says so). */
  scope: string;
  /** The resolved targets, as `provider/model`. */
  targets: readonly string[];
  /** The request as the provider is sent it (after the input guard); its client origin is read too. */
  request: ChatRequest;
}

/**
 * The cache key: a SHA-256 of the caller's scope, the resolved targets and everything in the
 * request that can change the answer (messages, tools, parameters, and the body a same-dialect
 * provider is sent as it came). `stream` is left out, so a streamed answer serves a
 * non-streamed request and back; so are the stream options and the gateway's own `infe` field, but
 * for `infe.drop_unsupported_params` (the operator's default is folded into it before).
 */
export async function cacheKey(parts: KeyParts): Promise<string> {
  const origin = parts.request[ORIGIN];
  const material = canonical({
    v: 1,
    scope: parts.scope,
    targets: parts.targets,
    request: answerFields(parts.request),
    // Decides between a 400 naming a field and a dropped field: a different answer.
    drop: parts.request.infe?.drop_unsupported_params === true,
    anthropic: answerFields(origin?.anthropic),
    responses: answerFields(origin?.responses),
    headers: origin?.headers,
  });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(material));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
