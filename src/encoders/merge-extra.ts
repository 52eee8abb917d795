type Json = Record<string, unknown>;

/** Streamed in pieces: OpenAI's audio `data` (base64) and `transcript` come a slice per chunk. */
const PIECEWISE = new Set(['data', 'transcript']);

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Adds one chunk's extra fields to what a non-streaming reply gathered so far: lists (logprobs'
 * `content`, `annotations`, `reasoning_details`) are concatenated, objects merged field by field,
 * audio pieces appended; anything else takes the latest value, as a streaming SDK would keep it.
 */
export function mergeExtra(into: Json, from: Json): Json {
  for (const key in from) {
    const value = from[key];
    if (value === null || value === undefined) continue;
    const had = into[key];
    if (Array.isArray(had) && Array.isArray(value)) into[key] = [...had, ...value];
    else if (isObject(had) && isObject(value)) into[key] = mergeExtra({ ...had }, value);
    else if (typeof had === 'string' && typeof value === 'string' && PIECEWISE.has(key)) into[key] = had + value;
    else into[key] = isObject(value) ? mergeExtra({}, value) : value;
  }
  return into;
}
