import type { Schema } from '@cfworker/json-schema';
import type { CompiledSchema, JsonSchema } from './compiled-schema';
import { formatPath } from './format-errors';
import type { JsonKey, JsonListener, JsonValue } from './incremental-json';
import { admitsKind, applicableSchemas, itemSchemas, type JsonKind, memberSchemas } from './schema-paths';

interface Frame {
  /** This container's key in its parent. */
  key: JsonKey;
  kind: 'object' | 'array';
  entries: readonly JsonSchema[];
  applicable: Schema[];
  /** The schemas of the property whose name just completed, for its value. */
  member: readonly JsonSchema[] | undefined;
}

/**
 * Judges a JSON document while it is still being written, reporting only what more text cannot
 * fix: a container or top-level value of a kind the schema forbids, a property name the schema
 * forbids, and a completed value (primitive, or closed object/array) that fails its schemas.
 * A property is judged when its value completes; a model that repeats the key later to correct
 * itself (JSON.parse keeps the last) is not waited for.
 */
export class PrefixCheck implements JsonListener {
  /** The first problem found; nothing is checked after it. */
  violation: string[] | undefined;
  private readonly frames: Frame[] = [];

  constructor(private readonly schema: CompiledSchema) {}

  /** The first character of the top-level value gives its kind long before a string completes. */
  start(kind: JsonKind): void {
    if (this.violation || kind === 'object' || kind === 'array') return;
    const entries = [this.schema.root];
    this.checkKind(entries, applicableSchemas(entries, this.schema), kind, []);
  }

  open(kind: 'object' | 'array', key: JsonKey): void {
    if (this.violation) return;
    const entries = this.entriesFor(key);
    const applicable = applicableSchemas(entries, this.schema);
    this.checkKind(entries, applicable, kind, this.pathTo(key));
    this.frames.push({ key, kind, entries, applicable, member: undefined });
  }

  key(key: string): void {
    const frame = this.frames.at(-1);
    if (this.violation || !frame) return;
    frame.member = memberSchemas(frame.applicable, key, this.schema);
    if (frame.member.includes(false)) this.violation = [`${formatPath(this.pathTo(key))}: is not allowed`];
  }

  value(value: JsonValue, key: JsonKey): void {
    if (this.violation) return;
    const entries = typeof value === 'object' && value !== null ? this.frames.pop()?.entries : this.entriesFor(key);
    // The complete top-level value gets the final validation next; running it twice costs a full pass.
    if (!entries || entries.length === 0 || this.frames.length === 0) return;
    const errors = this.schema.check(value, entries, this.pathTo(key), false);
    if (errors.length > 0) this.violation = errors;
  }

  private entriesFor(key: JsonKey): readonly JsonSchema[] {
    const frame = this.frames.at(-1);
    if (!frame) return [this.schema.root];
    if (frame.kind === 'array') return itemSchemas(frame.applicable, Number(key));
    return frame.member ?? memberSchemas(frame.applicable, String(key), this.schema);
  }

  private checkKind(entries: readonly JsonSchema[], applicable: Schema[], kind: JsonKind, path: JsonKey[]): void {
    if (admitsKind(entries, applicable, kind)) return;
    if (entries.includes(false)) {
      this.violation = [`${formatPath(path)}: is not allowed`];
      return;
    }
    const expected = new Set(applicable.flatMap((schema) => schema.type ?? []));
    this.violation = [`${formatPath(path)}: type "${kind}" is invalid. Expected "${[...expected].join('", "')}"`];
  }

  /** The path of the value at `key` in the innermost open container. */
  private pathTo(key: JsonKey): JsonKey[] {
    const path: JsonKey[] = [];
    for (let i = 1; i < this.frames.length; i++) path.push(this.frames[i]?.key);
    if (this.frames.length > 0) path.push(key);
    return path;
  }
}
