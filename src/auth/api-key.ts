/** What a gateway key may do; `null` means no limit. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** Model patterns: `provider/model`, `provider/*`, an alias, or `*`. */
  models: string[] | null;
  rpm: number | null;
  concurrency: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

const encoder = new TextEncoder();

/** Keys are stored and looked up by their SHA-256, so a database leak leaks no usable key. */
export async function hashKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(key)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `openai/gpt-4o` is allowed by `openai/gpt-4o`, `openai/*` or `*`; an alias only by its name. */
export function modelAllowed(record: ApiKeyRecord, model: string): boolean {
  if (record.models === null) return true;
  return record.models.some((pattern) => {
    if (pattern === '*' || pattern === model) return true;
    return pattern.endsWith('/*') && model.startsWith(pattern.slice(0, -1));
  });
}

/** The credential from `Authorization: Bearer …` or, for Anthropic-style clients, `x-api-key`. */
export function presentedKey(headers: Headers): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
  return bearer ?? headers.get('x-api-key')?.trim() ?? undefined;
}
