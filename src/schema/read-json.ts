import { invalidRequest } from '../errors/gateway-error';

/**
 * The deepest nesting a body may have: far beyond any real request (a tool's JSON Schema nests a
 * few dozen levels at most), far below what recursive code (validation, serialisation) survives.
 */
export const MAX_JSON_DEPTH = 128;

/** Whether `value` nests deeper than MAX_JSON_DEPTH; iterative, so a deep value cannot overflow the stack. */
function tooDeep(value: unknown): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > MAX_JSON_DEPTH) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

/**
 * The body as JSON, or a 400 `invalid_json` (also for nesting deeper than MAX_JSON_DEPTH): every
 * route reads its body through here.
 */
export async function readJson(body: Pick<Request, 'text'>): Promise<unknown> {
  const text = await body.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body must be valid JSON.', null, 'invalid_json');
  }
  if (tooDeep(value)) {
    throw invalidRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`, null, 'invalid_json');
  }
  return value;
}
