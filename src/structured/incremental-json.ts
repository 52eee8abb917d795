import { JSONParser, type JsonTypes, type ParsedElementInfo, type StackElement } from '@streamparser/json';

export type JsonValue = JsonTypes.JsonPrimitive | JsonTypes.JsonStruct;
/** Where a value sits in its container: a property name, an array index, or undefined at the top. */
export type JsonKey = string | number | undefined;

/** Told about each step of the document as soon as the text shows it. */
export interface JsonListener {
  /** An object or array began. */
  open(kind: 'object' | 'array', key: JsonKey): void;
  /** A property name is complete; its value has not begun. */
  key(key: string): void;
  /** A value is complete and will not change again (a primitive, or a container just closed). */
  value(value: JsonValue, key: JsonKey): void;
}

/**
 * JSON parsed as its text arrives, built on @streamparser/json: a byte-level state machine, so
 * each delta costs in proportion to its own length (re-parsing the whole prefix per delta grew
 * to ~100 µs per event over a 2,000-token reply), and it fails on the first character that no
 * JSON document can contain, where lenient partial parsers skip it.
 */
export class IncrementalJson {
  /** The first syntax error; the parser takes no more text after it. */
  error: string | undefined;
  /** The top-level value is complete. */
  done = false;
  /** The value grew since the last `takeChanged()`. */
  private changed = false;
  private root: JsonValue | undefined;
  private stack: StackElement[] = [];
  /** The innermost open container: the only place the next value can land. */
  private current: JsonTypes.JsonStruct | undefined;
  /** Whether the token being parsed is unfinished (a string, number or literal cut by the delta's end). */
  private partialToken = false;
  // Partial tokens make the parser place an unfinished string or number at the end of every
  // delta, so text that cannot continue the document fails there (`{"a":1 "b…` at the quote)
  // rather than when the token ends, which for a string can be hundreds of tokens later.
  private readonly parser = new JSONParser({ emitPartialTokens: true, emitPartialValues: true });

  constructor(private readonly listener?: JsonListener) {
    this.parser.onToken = (token) => {
      this.partialToken = token.partial === true;
    };
    this.parser.onValue = (info) => this.see(info);
    // Without onError the parser throws; the first message is the useful one, later ones echo it.
    this.parser.onError = (error) => {
      this.error ??= this.done ? 'unexpected text after the JSON value' : `invalid JSON: ${describe(error.message)}`;
    };
  }

  write(text: string): void {
    if (this.error === undefined && text !== '') this.parser.write(text);
  }

  /** No more text: completes a top-level number, which only a following character can end. */
  end(): void {
    if (this.error === undefined && !this.done) this.parser.end();
  }

  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  /**
   * The complete value, or the value parsed so far: complete members only, no partial strings or
   * numbers. Snapshots share their completed subtrees with each other and with the final value,
   * so they are read-only.
   */
  snapshot(): JsonValue | undefined {
    if (this.done || this.current === undefined) return this.root;
    // Completed members never change again, so only the containers still open on the path to
    // the cursor are copied (their members, not their subtrees): cost follows their width.
    let copy = shallowCopy(this.current);
    for (let i = this.stack.length - 1; i >= 1; i--) {
      const frame = this.stack[i] as StackElement;
      const outer = shallowCopy(frame.value);
      setMember(outer, frame.key, copy);
      copy = outer;
    }
    return copy;
  }

  private see({ value, key, parent, stack, partial }: ParsedElementInfo): void {
    this.stack = stack;
    if (partial) {
      // Unfinished tokens are not values yet: snapshots hold complete members only.
      if (this.partialToken) return;
      // Otherwise a partial step is a property name that completed (a string key) or a container
      // that opened (then `parent` is that container).
      if (typeof key === 'string') {
        this.listener?.key(key);
        return;
      }
      if (parent === undefined) return;
      this.current = parent;
      this.changed = true;
      if (stack.length === 1) this.root = parent;
      this.listener?.open(Array.isArray(parent) ? 'array' : 'object', stack[stack.length - 1]?.key ?? undefined);
      return;
    }
    if (value === undefined) return;
    this.current = parent;
    this.changed = true;
    if (stack.length === 0) {
      this.done = true;
      this.root = value;
    }
    this.listener?.value(value, key ?? undefined);
  }
}

function shallowCopy(container: JsonTypes.JsonStruct): JsonTypes.JsonStruct {
  return Array.isArray(container) ? container.slice() : { ...container };
}

function setMember(container: JsonTypes.JsonStruct, key: JsonKey, value: JsonValue): void {
  if (Array.isArray(container)) {
    container[Number(key)] = value;
  } else if (key === '__proto__') {
    // A plain assignment would replace the copy's prototype instead of adding the member.
    Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    container[String(key)] = value;
  }
}

/**
 * The parser's messages name its internal states and chunk offsets, and whether a token was
 * seen whole or cut by a delta: reduced to what was unexpected, they read the same however the
 * text was split.
 */
function describe(message: string): string {
  const token = /^Unexpected (?:partial )?([A-Z_]+) \(/.exec(message);
  if (token?.[1]) return `unexpected ${token[1].toLowerCase().replace('_', ' ')}`;
  const char = /^Unexpected "(.*)" at chunk position/s.exec(message);
  if (char?.[1] !== undefined) return `unexpected ${JSON.stringify(char[1])}`;
  return message;
}
