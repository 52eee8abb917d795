import type { GatewayError } from '../errors/gateway-error';
import type { StreamEvent } from '../stream/events';

/** Turns events into one client wire format. Returns text so one read's output is encoded once. */
export interface Encoder {
  readonly contentType: string;
  event(event: StreamEvent): string;
  /**
   * Called after each upstream read: whatever the encoder kept to merge into a later event of
   * the same read goes out now, so nothing waits for the next read.
   */
  flush?(): string;
  /** The stream failed after it started: tell the client in its own format, then it ends. */
  error(error: GatewayError): string;
  /** A clean end. */
  end(): string;
  /** Sent while waiting for the first event, to notice a client that went away (SSE comment). */
  probe(): string;
}

/** The non-streaming counterpart: gathers every event, then renders one response body. */
export interface Collector {
  event(event: StreamEvent): void;
  result(): unknown;
}

export interface ResponseMeta {
  /** `chatcmpl-…`, the same id on every chunk. */
  id: string;
  /** The model as the client addressed it (`groq/llama-…` or an alias). */
  model: string;
  created: number;
}

/** One client API's wire formats, chosen per request by the route. */
export interface ClientFormat {
  /** Route name for the log record. */
  route: string;
  encoder(meta: ResponseMeta): Encoder;
  collector(meta: ResponseMeta): Collector;
  /** How this API shows an error that happens before the response started. */
  errorResponse(error: GatewayError, requestId: string): Response;
}
