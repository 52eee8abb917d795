import type * as z from 'zod';
import { type GatewayError, invalidRequest } from '../errors/gateway-error';

/** `['messages', 0, 'content']` → `messages[0].content`, the notation OpenAI uses for `param`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** The first issue names the field; one precise message beats a list the client must untangle. */
export function validationError(error: z.ZodError): GatewayError {
  const issue = error.issues[0];
  if (!issue) return invalidRequest('The request body is invalid.', null);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = formatPath([...issue.path, key]);
    return invalidRequest(`Unsupported field '${param}'.`, param, 'unsupported_field');
  }
  const param = formatPath(issue.path);
  const where = param ? `'${param}'` : 'request body';
  return invalidRequest(`Invalid ${where}: ${issue.message}.`, param || null, 'invalid_field');
}
