/**
 * What a provider said about a request it refused, made safe to show the client: read with a
 * byte bound, only the four standard fields, each bounded, key-like runs removed. Providers
 * echo prompts and key fragments in messages; the shape below keeps the useful part (what was
 * wrong, which parameter) and cuts what could be a secret.
 */
export interface UpstreamDetail {
  type?: string;
  code?: string;
  param?: string;
  message?: string;
}

/** Enough for any real error body; a larger one is cut, not buffered. */
const MAX_BODY_BYTES = 16 * 1024;
const MAX_MESSAGE_CHARS = 500;
const MAX_FIELD_CHARS = 128;
// Anything that looks like a credential: a known key prefix, a JWT, or a long token-like run.
const KEY_LIKE = /(?:sk|pk|rk|ak)[-_][\w*-]{6,}|eyJ[\w-]{6,}\.[\w.-]*|Bearer\s+\S+|[A-Za-z0-9_-]{32,}/g;

export function scrub(text: string, max = MAX_MESSAGE_CHARS): string {
  const clean = text.replace(KEY_LIKE, '[redacted]').replace(/\p{Cc}/gu, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

async function readBounded(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all.subarray(0, MAX_BODY_BYTES));
}

const field = (value: unknown, max = MAX_FIELD_CHARS) =>
  typeof value === 'string' && value !== '' ? scrub(value, max) : undefined;

/** OpenAI's `{error: {message, type, param, code}}` and Anthropic's `{type: 'error', error: {type, message}}`. */
export async function readUpstreamDetail(response: Response): Promise<UpstreamDetail> {
  if (!response.body) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readBounded(response.body));
  } catch {
    return {};
  }
  const error = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return {};
  const { type, code, param, message } = error as Record<string, unknown>;
  return {
    type: field(type),
    code: typeof code === 'number' ? String(code) : field(code),
    param: field(param),
    message: field(message, MAX_MESSAGE_CHARS),
  };
}

/** The provider's own id for the request: what its support asks for. */
export function upstreamRequestId(headers: Headers): string | undefined {
  return field(headers.get('x-request-id') ?? headers.get('request-id') ?? undefined);
}
