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

/** A branch of a union whose `type` did not match says nothing about the part or block. */
const isWrongBranch = (issue: z.core.$ZodIssue) =>
  (issue.code === 'invalid_value' || issue.code === 'custom') && issue.path.join('.') === 'type';

/** A union's own issue says only "Invalid input"; the branch that got past the type check says what is wrong. */
function preciseIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const inner = issue.errors
    .map(([first]) => first)
    .find((first) => first && !(first.code === 'invalid_type' && first.path.length === 0) && !isWrongBranch(first));
  return inner ? preciseIssue({ ...inner, path: [...issue.path, ...inner.path] }) : issue;
}

/** The first issue names the field; one precise message beats a list the client must untangle. */
export function validationError(error: z.ZodError): GatewayError {
  const first = error.issues[0];
  const issue = first && preciseIssue(first);
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
