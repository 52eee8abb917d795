import { dereference, type OutputUnit, type Schema, type SchemaDraft, validate } from '@cfworker/json-schema';
import { formatErrors, formatPath } from './format-errors';
import type { JsonKey } from './incremental-json';

export type JsonSchema = Schema | boolean;

const DRAFTS: ReadonlyArray<readonly [RegExp, SchemaDraft]> = [
  [/draft-04/, '4'],
  [/draft-0[67]/, '7'],
  [/2019-09/, '2019-09'],
];

/**
 * A response or tool schema prepared once per request: $refs resolved to a lookup, the draft
 * chosen from `$schema` (2020-12 when it names none, which is what OpenAI's strict schemas are
 * written against), regular expressions compiled on first use.
 */
export class CompiledSchema {
  readonly draft: SchemaDraft;
  /**
   * Whether a value's schema can be found from its path alone. `$recursiveRef` resolves through
   * the dynamic scope of the whole validation, so such schemas are only checked at the end.
   */
  readonly checksPrefixes: boolean;
  /** Why the schema cannot be applied at all (e.g. two subschemas claim the same $id). */
  readonly error: string | undefined;
  readonly root: JsonSchema;
  private readonly lookup: Record<string, JsonSchema> = {};
  private readonly patterns = new Map<string, RegExp | null>();

  constructor(schema: Record<string, unknown>) {
    // dereference annotates every subschema in place; a copy keeps the request body as it came.
    this.root = structuredClone(schema) as Schema;
    const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
    this.draft = DRAFTS.find(([pattern]) => pattern.test(declared))?.[1] ?? '2020-12';
    let error: string | undefined;
    try {
      this.lookup = dereference(this.root);
    } catch (cause) {
      error = firstLine(cause);
    }
    this.error = error;
    this.checksPrefixes = error === undefined && !JSON.stringify(schema).includes('"$recursiveRef"');
  }

  get legacyRefs(): boolean {
    // Drafts 4 and 7 ignore the keywords beside a $ref.
    return this.draft === '4' || this.draft === '7';
  }

  /** The schema a `$ref` points at, or undefined when it is not in this document. */
  resolve(schema: Schema): JsonSchema | undefined {
    const absolute: unknown = schema.__absolute_ref__;
    return this.lookup[typeof absolute === 'string' ? absolute : String(schema.$ref)];
  }

  /** Whether a patternProperties key matches; undefined when the pattern is not a valid expression. */
  matches(pattern: string, key: string): boolean | undefined {
    let regex = this.patterns.get(pattern);
    if (regex === undefined) {
      try {
        regex = new RegExp(pattern, 'u');
      } catch {
        regex = null;
      }
      this.patterns.set(pattern, regex);
    }
    return regex === null ? undefined : regex.test(key);
  }

  /**
   * Every problem of a complete `value` against each of `entries` (schemas that all must hold
   * where it sits, at `path`). While streaming (`final` false) a schema that cannot be applied
   * reports nothing, so a broken schema never stops a generation; at the end it is an error.
   */
  check(value: unknown, entries: readonly JsonSchema[], path: readonly JsonKey[], final: boolean): string[] {
    if (this.error !== undefined) return final ? [`$: the schema cannot be applied: ${this.error}`] : [];
    const units: OutputUnit[] = [];
    let valid = true;
    try {
      for (const entry of entries) {
        // Final: every error, for the report. Streaming: the first one is enough to decide.
        const result = validate(value, entry, this.draft, this.lookup, !final);
        units.push(...result.errors);
        valid &&= result.valid;
        if (!valid && !final) break;
      }
    } catch (cause) {
      return final ? [`$: the schema cannot be applied: ${firstLine(cause)}`] : [];
    }
    if (valid) return [];
    const errors = formatErrors(units, path);
    return errors.length > 0 ? errors : [`${formatPath(path)}: does not match the schema`];
  }
}

function firstLine(cause: unknown): string {
  return (cause instanceof Error ? cause.message : String(cause)).split('\n')[0] ?? '';
}
