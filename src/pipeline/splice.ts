import { CHARS_PER_TOKEN } from '../config/chars-per-token';
import type { GatewayError } from '../errors/gateway-error';
import { type Emit, isContent, type StreamEvent } from '../stream/events';
import type { Connection } from './connection';

/** What the pump hands over when its attempt failed after the first token. */
export interface SpliceRequest {
  /** The reply's text so far as the upstream sent it, before any stage held or changed it. */
  delivered: string;
  failure: GatewayError;
  /** The attempt that failed (already aborted). */
  failed: Connection;
  /** Splices this request has made before this one. */
  splices: number;
  /** The client left (or a stage stopped the stream) while the continuation was being connected. */
  signal: AbortSignal;
}

/** A connection that continues the reply where the failed one stopped. */
export interface SpliceContinuation {
  connection: Connection;
  /** What the continuation will repeat before its new text (README, *Overlap*): dropped when it comes. */
  repeat: string;
  /** The continuation request's prompt, estimated; the provider's count replaces it when reported. */
  promptTokens: number;
}

/** Built by the spine from the prepared request: the routing layer is above the pump's. */
export type Resume = (request: SpliceRequest) => Promise<SpliceContinuation | undefined>;

/** One splice in the request's log record. */
export interface SpliceRecord {
  /** The failed attempt's error code. */
  failure: string;
  /** `provider/model` of the failed attempt and of its continuation. */
  from: string;
  to: string;
  /** Where the continuation took over, in characters of the reply's text. */
  offsetChars: number;
  /** The same offset in tokens: estimated (~4 characters a token), a cut stream reports no count. */
  offsetTokens: number;
  offsetTokensEstimated: true;
  /** The continuation's prompt: what the splice cost on top of the reply (it re-reads prompt and prefix). */
  promptTokens: number;
  promptTokensEstimated: boolean;
  /** Characters of the continuation dropped as a repeat of text already sent. */
  overlapChars: number;
  /** The failure noticed → the continuation's first content event. */
  gapMs?: number;
}

const target = (connection: Connection) => `${connection.provider.id}/${connection.model}`;

/**
 * The pump's side of a splice: it follows the reply's text, says whether what has been sent can
 * be continued from a text prefix (not after a tool call, reasoning, refusal or a second choice
 * began), and filters the continuation: its preamble (`start`, the dialect's opening events) is
 * dropped, and so is the repeat its provider is known to send first.
 */
export class Splicer {
  private text = '';
  private continuable = true;
  private preamble = false;
  private repeat = '';
  private held: StreamEvent[] = [];
  private matched = 0;
  private failedAt = 0;

  constructor(
    private readonly resume: Resume,
    readonly records: SpliceRecord[] = [],
  ) {}

  /** Whether a failure now may be spliced: only a reply that is plain text so far, and not finished. */
  get possible(): boolean {
    return this.continuable;
  }

  async splice(failed: Connection, failure: GatewayError, signal: AbortSignal): Promise<Connection | undefined> {
    this.failedAt = Date.now();
    const splices = this.records.length;
    const next = await this.resume({ delivered: this.text, failure, failed, splices, signal });
    if (!next) return undefined;
    this.records.push({
      failure: failure.code,
      from: target(failed),
      to: target(next.connection),
      offsetChars: this.text.length,
      offsetTokens: Math.ceil(this.text.length / CHARS_PER_TOKEN),
      offsetTokensEstimated: true,
      promptTokens: next.promptTokens,
      promptTokensEstimated: true,
      overlapChars: 0,
    });
    this.preamble = true;
    this.repeat = next.repeat;
    // A repeat the failed continuation left half-matched was never sent: it is not this one's.
    this.held = [];
    this.matched = 0;
    return next.connection;
  }

  /** Every upstream event passes here before the stages. */
  pass(event: StreamEvent, sink: Emit): void {
    const record = this.records.at(-1);
    if (record) {
      const usage = event.type === 'start' || event.type === 'usage' ? event.usage : undefined;
      if (usage?.inputTokens !== undefined) {
        record.promptTokens = usage.inputTokens;
        record.promptTokensEstimated = false;
      }
      if (this.preamble) {
        if (event.type === 'start' || event.type === 'upstream-extra') return;
        this.preamble = false;
        record.gapMs = Date.now() - this.failedAt;
      }
      if (this.repeat !== '' && this.trimmed(event, sink, record)) return;
    }
    this.send(event, sink);
  }

  private send(event: StreamEvent, sink: Emit): void {
    if (event.type === 'text' && !event.choice) this.text += event.text;
    // After a finish the reply is whole: a failure then (an Anthropic error after message_delta)
    // ends it as it would unspliced, not with text after the finish and a second one.
    else if (isContent(event) || event.type === 'finish') this.continuable = false;
    // A provider's own Responses stream, relayed: its items close with its own events, which a
    // chat continuation cannot send.
    else if (event.type === 'upstream-extra' && event.dialect === 'responses') this.continuable = false;
    sink(event);
  }

  /**
   * Holds the continuation's text while it matches the expected repeat: dropped once all of it
   * came, released as it was at the first character that differs (then it was no repeat).
   * True when the event was taken here.
   */
  private trimmed(event: StreamEvent, sink: Emit, record: SpliceRecord): boolean {
    const rest = this.repeat.slice(this.matched);
    const text = event.type === 'text' && !event.choice ? event.text : undefined;
    const common = text === undefined ? -1 : commonPrefix(rest, text);
    if (text === undefined || common < Math.min(rest.length, text.length)) {
      this.repeat = '';
      for (const early of this.held.splice(0)) this.send(early, sink);
      return false;
    }
    if (text.length < rest.length) {
      this.matched += common;
      this.held.push(event);
      return true;
    }
    record.overlapChars = this.repeat.length;
    this.repeat = '';
    this.held = [];
    if (event.type === 'text' && text.length > rest.length)
      this.send({ ...event, text: text.slice(rest.length) }, sink);
    return true;
  }
}

function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
