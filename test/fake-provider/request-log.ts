// What the fake provider records per scenario id, as `GET /_control/log/<id>` answers it (tests
// read it through test/support/fake-control.ts).

/** How much of a prompt an earlier request with the same id had cached (see prefix-cache.ts). */
export type PrefixHit = { cachedChars: number; uncachedChars: number };

export type RequestLog = {
  requests: number;
  /** Requests whose client disconnected before the server ended the response. */
  hungUp: number;
  lastHangupAt: number | null;
  /** Responses the server ended normally (error statuses included). */
  completed: number;
  /** Body bytes the server handed to its sockets for this id (all attempts): what backpressure holds back. */
  bytesWritten: number;
  lastBody: unknown;
  lastHeaders: Record<string, string>;
  /** With `prefix_cache`: how much of the last prompt an earlier one of this id had cached. */
  lastPrefix: PrefixHit | null;
  /** Requests that continued a reply from an assistant prefix (continuation.ts). */
  continuations: number;
};

export const emptyLog = (): RequestLog => ({
  requests: 0,
  hungUp: 0,
  lastHangupAt: null,
  completed: 0,
  bytesWritten: 0,
  lastBody: null,
  lastHeaders: {},
  lastPrefix: null,
  continuations: 0,
});
