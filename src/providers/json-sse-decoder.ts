import type { Emit } from '../stream/events';
import { createSseDecoder } from '../stream/sse-decoder';
import type { EventDecoder } from './provider';

/** What a JSON-per-message SSE dialect does with each message. */
export interface JsonSseHandler<T extends object> {
  /** Data that is not JSON by design (`[DONE]`): true when it was handled here. */
  sentinel?(data: string): boolean;
  json(value: T): void;
}

/**
 * The SSE framing every provider dialect shares: each message's data is one JSON object; a
 * malformed or oversized message becomes an error event instead of ending the relay silently.
 * `build` gets an emit that always writes to the target of the current push/end.
 */
export function createJsonSseDecoder<T extends object>(build: (emit: Emit) => JsonSseHandler<T>): EventDecoder {
  let target: Emit = () => {};
  const emit: Emit = (event) => target(event);
  const handler = build(emit);
  const sse = createSseDecoder({
    message({ data }) {
      if (handler.sentinel?.(data)) return;
      let value: unknown;
      try {
        value = JSON.parse(data);
      } catch {
        emit({
          type: 'error',
          error: { code: 'upstream_malformed_event', message: 'The provider sent a malformed event.' },
        });
        return;
      }
      if (value !== null && typeof value === 'object') handler.json(value as T);
    },
    comment() {},
    tooLarge() {
      emit({
        type: 'error',
        error: { code: 'upstream_event_too_large', message: 'The provider sent an oversized event.' },
      });
    },
  });
  return {
    push(bytes, next) {
      target = next;
      sse.push(bytes);
    },
    end(next) {
      target = next;
      sse.end();
    },
  };
}
