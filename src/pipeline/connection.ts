import type { EventDecoder, Provider } from '../providers/provider';
import type { StreamEvent } from '../stream/events';

/** An upstream that has produced its first content (or finish): the response is committed to it. */
export interface Connection {
  provider: Provider;
  model: string;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  decoder: EventDecoder;
  /** Events decoded while waiting for the first one, in order; forwarded before anything else. */
  initial: StreamEvent[];
  /** This attempt's start to its first decisive event (retries of the same target not included). */
  ttftMs: number;
  /** Aborts the upstream request (fetch, binding stream, simulator). */
  abort(reason?: unknown): void;
  /** The provider's id for the request and the fields its translation dropped, for response headers. */
  upstreamRequestId?: string;
  dropped?: readonly string[];
}
