import type { OutputUnit } from '@cfworker/json-schema';
import type { JsonKey } from './incremental-json';

/** Enough to act on; a client fixing its prompt reads the first few, a log line stays short. */
export const MAX_ERRORS = 5;

/** Keywords whose error only says "a member failed": the member's own error, listed after it, says why. */
const WRAPPERS = new Set([
  '$ref',
  '$recursiveRef',
  'allOf',
  'if',
  'properties',
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
  'dependentSchemas',
  'items',
  'prefixItems',
  'additionalItems',
  'unevaluatedItems',
]);
/** Keywords whose nested errors are the branches tried, which would read as contradictions. */
const SUMMARIES = new Set(['anyOf', 'oneOf', 'not', 'contains']);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const INDEX = /^\d+$/;

/** `$.items[0].name` for a path given as keys. */
export function formatPath(path: readonly JsonKey[]): string {
  let out = '$';
  for (const key of path) {
    if (key === undefined) continue;
    if (typeof key === 'number') out += `[${key}]`;
    else out += IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** Short, path-prefixed messages for a validator's output, `base` being where the validated value sits. */
export function formatErrors(units: readonly OutputUnit[], base: readonly JsonKey[] = []): string[] {
  const out: string[] = [];
  let summarised: string | undefined;
  for (const unit of units) {
    if (summarised !== undefined && unit.keywordLocation.startsWith(summarised)) continue;
    summarised = SUMMARIES.has(unit.keyword) ? `${unit.keywordLocation}/` : undefined;
    if (WRAPPERS.has(unit.keyword)) continue;
    const message =
      unit.keyword === 'false' ? 'is not allowed' : unit.error.replace(/^Instance /, '').replace(/\.$/, '');
    const line = `${formatPath([...base, ...pointerKeys(unit.instanceLocation)])}: ${message}`;
    if (!out.includes(line)) out.push(line);
    if (out.length === MAX_ERRORS) break;
  }
  return out;
}

/** cfworker's instance locations are URI fragments: `#/a~1b/0`. */
function pointerKeys(location: string): JsonKey[] {
  return location
    .split('/')
    .slice(1)
    .map((segment) => {
      let key = segment;
      try {
        key = decodeURIComponent(segment);
      } catch {
        // Left encoded: a path that reads oddly beats losing the error.
      }
      key = key.replace(/~1/g, '/').replace(/~0/g, '~');
      // The pointer does not say whether `0` was an index; arrays are the common case.
      return INDEX.test(key) ? Number(key) : key;
    });
}
