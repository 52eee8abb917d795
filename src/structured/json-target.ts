import { CodeFence } from './code-fence';
import type { CompiledSchema } from './compiled-schema';
import { IncrementalJson, type JsonValue } from './incremental-json';
import { PrefixCheck } from './prefix-check';
import type { JsonKind } from './schema-paths';

export interface StructuredVerdict {
  valid: boolean;
  errors: string[];
}

const KINDS: Record<string, JsonKind> = {
  '{': 'object',
  '[': 'array',
  '"': 'string',
  t: 'boolean',
  f: 'boolean',
  n: 'null',
};

/**
 * One JSON output followed as it streams (the reply text, or one tool call's arguments): parsed
 * incrementally, checked against its schema as parts complete, judged in full at the end.
 */
export class JsonTarget {
  /** The first problem that more text cannot fix, path-prefixed; undefined while the output can still be valid. */
  violation: string[] | undefined;
  private readonly check: PrefixCheck | undefined;
  private readonly fence: CodeFence | undefined;
  private readonly json: IncrementalJson;
  private begun = false;

  constructor(
    private readonly schema: CompiledSchema | undefined,
    options: { fenced: boolean },
  ) {
    this.check = schema?.checksPrefixes ? new PrefixCheck(schema) : undefined;
    this.fence = options.fenced ? new CodeFence() : undefined;
    this.json = new IncrementalJson(this.check);
  }

  /** Whether any of the value's text has arrived. */
  get started(): boolean {
    return this.begun;
  }

  write(text: string): void {
    // After a syntax error nothing more can be parsed; after a schema violation parsing goes on,
    // for the partial objects and so the final report lists every error.
    if (this.problem() !== undefined) return;
    const body = this.fence ? this.fence.open(text) : text;
    if (body !== '') {
      if (!this.begun) this.begin(body);
      this.feed(body);
    }
    const problem = this.problem();
    this.violation = problem === undefined ? this.check?.violation : [`$: ${problem}`];
  }

  /** Whether the value grew since the last call: complete members only, so at most once per member. */
  takeChanged(): boolean {
    return this.json.takeChanged();
  }

  snapshot(): JsonValue | undefined {
    return this.json.snapshot();
  }

  finish(): StructuredVerdict {
    let problem = this.problem();
    if (problem === undefined) {
      // Only a top-level number is still open to completion here; anything else the end
      // interrupts was cut off, which is what the report should say rather than the parser's message.
      this.json.end();
      if (!this.json.done) problem = this.begun ? 'the JSON value is incomplete' : 'no JSON value';
      else {
        this.fence?.finish();
        problem = this.fence?.error;
      }
    }
    if (problem !== undefined) return { valid: false, errors: [`$: ${problem}`] };
    const value = this.json.snapshot();
    const errors = this.schema ? this.schema.check(value, [this.schema.root], [], true) : [];
    return { valid: errors.length === 0, errors };
  }

  private begin(body: string): void {
    const first = body.trimStart()[0];
    if (first === undefined) return;
    this.begun = true;
    const kind = first === '-' || (first >= '0' && first <= '9') ? 'number' : KINDS[first];
    if (kind) this.check?.start(kind);
  }

  private feed(body: string): void {
    if (this.json.done) {
      if (this.fence) this.fence.close(body);
      else this.json.write(body);
      return;
    }
    if (!this.fence || !body.includes('`')) {
      this.json.write(body);
      return;
    }
    // A backtick cannot appear in JSON outside a string, so the value can only have ended just
    // before one: writing up to each backtick finds where the value ends and the fence begins.
    let from = 0;
    for (let tick = body.indexOf('`'); tick !== -1; tick = body.indexOf('`', tick + 1)) {
      this.json.write(body.slice(from, tick));
      from = tick;
      if (this.json.done) {
        this.fence.close(body.slice(tick));
        return;
      }
    }
    this.json.write(body.slice(from));
  }

  private problem(): string | undefined {
    return this.json.error ?? this.fence?.error;
  }
}
