import type { Schema } from '@cfworker/json-schema';
import type { CompiledSchema, JsonSchema } from './compiled-schema';

/**
 * Which schemas a value must satisfy, found from its path alone, so a completed part can be
 * judged before the rest exists. Only keywords that apply unconditionally are followed
 * ($ref, allOf, properties, patternProperties, additionalProperties, items and their kin);
 * anyOf, oneOf, not and if/then/else depend on the whole value and are left to the end. Missing
 * a schema here only makes the early check weaker, never wrong: every schema returned is one
 * the final validation applies to the same value in the same way.
 */

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** The object schemas that apply where `entries` apply: the entries themselves, their $ref targets and allOf branches. */
export function applicableSchemas(entries: readonly JsonSchema[], compiled: CompiledSchema): Schema[] {
  const out: Schema[] = [];
  const seen = new Set<Schema>();
  const visit = (schema: unknown): void => {
    if (!isSchema(schema) || seen.has(schema)) return;
    seen.add(schema);
    const target = schema.$ref === undefined ? undefined : compiled.resolve(schema);
    if (schema.$ref !== undefined && compiled.legacyRefs) {
      visit(target);
      return;
    }
    out.push(schema);
    visit(target);
    if (Array.isArray(schema.allOf)) for (const branch of schema.allOf) visit(branch);
  };
  for (const entry of entries) visit(entry);
  return out;
}

/** The schemas for property `key`, mirroring how the validator splits properties, patterns and the rest. */
export function memberSchemas(applicable: readonly Schema[], key: string, compiled: CompiledSchema): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const schema of applicable) {
    let claimed = false;
    let unsure = false;
    const properties: unknown = schema.properties;
    if (isRecord(properties) && Object.hasOwn(properties, key)) {
      pushSchema(out, properties[key]);
      claimed = true;
    }
    const patterns: unknown = schema.patternProperties;
    if (isRecord(patterns)) {
      for (const [pattern, sub] of Object.entries(patterns)) {
        const matched = compiled.matches(pattern, key);
        if (matched === undefined) unsure = true;
        else if (matched) {
          pushSchema(out, sub);
          claimed = true;
        }
      }
    }
    if (!claimed && !unsure) pushSchema(out, schema.additionalProperties);
  }
  return out;
}

/** The schemas for array element `index`: prefixItems, then items (a tuple in older drafts), then additionalItems. */
export function itemSchemas(applicable: readonly Schema[], index: number): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const schema of applicable) {
    const prefix: unknown = schema.prefixItems;
    const items: unknown = schema.items;
    if (Array.isArray(prefix) && index < prefix.length) pushSchema(out, prefix[index]);
    else if (Array.isArray(items)) pushSchema(out, index < items.length ? items[index] : schema.additionalItems);
    else pushSchema(out, items);
  }
  return out;
}

/** Whether a value of `kind` may sit where `entries` apply; `number` passes `integer`, decided at completion. */
export function admitsKind(entries: readonly JsonSchema[], applicable: readonly Schema[], kind: JsonKind): boolean {
  if (entries.includes(false)) return false;
  return applicable.every((schema) => {
    const type: unknown = schema.type;
    const types = Array.isArray(type) ? type : typeof type === 'string' ? [type] : undefined;
    if (types === undefined) return true;
    return types.includes(kind) || (kind === 'number' && types.includes('integer'));
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSchema(value: unknown): value is Schema {
  return isRecord(value);
}

function pushSchema(out: JsonSchema[], value: unknown): void {
  if (typeof value === 'boolean' || isSchema(value)) out.push(value);
}
