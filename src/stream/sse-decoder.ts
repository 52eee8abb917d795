import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A single SSE line may not grow past this: a provider that never ends a line cannot exhaust memory. */
export const MAX_SSE_LINE_CHARS = 4 * 1024 * 1024;

export interface SseMessage {
  event: string | undefined;
  data: string;
}

export interface SseSink {
  message(message: SseMessage): void;
  /** Comment lines (`: keep-alive`): proof of life that is not content. */
  comment(): void;
  /** A line grew past MAX_SSE_LINE_CHARS: the stream is broken and nothing after it is read. */
  tooLarge(): void;
}

/**
 * The codebase's one byte-level SSE decoder: bytes in any chunking (split UTF-8 sequences,
 * CRLF, multi-line data, comments) → whole messages, synchronously, so it runs inside the
 * relay's single stream hop.
 */
export interface SseDecoder {
  push(bytes: Uint8Array): void;
  end(): void;
}

export function createSseDecoder(sink: SseSink): SseDecoder {
  const text = new TextDecoder('utf-8');
  let broken = false;
  const parser = createParser({
    maxBufferSize: MAX_SSE_LINE_CHARS,
    onEvent: (event: EventSourceMessage) => sink.message({ event: event.event, data: event.data }),
    onComment: () => sink.comment(),
    onError: () => {
      broken = true;
      sink.tooLarge();
    },
  });
  return {
    push(bytes) {
      if (!broken) parser.feed(text.decode(bytes, { stream: true }));
    },
    end() {
      if (broken) return;
      const rest = text.decode();
      // A final event without its blank line is incomplete by the SSE spec: drop it, so a cut
      // stream is seen as cut rather than as a shorter, valid one.
      if (rest) parser.feed(rest);
    },
  };
}
