import type { Encoder } from './encoder';

/**
 * Only the answer's text, as `text/plain`, for clients that print or pipe it. Everything else
 * (reasoning, tool calls, usage, annotations) has no place in plain text and is left out; a
 * client that needs it asks for SSE or NDJSON.
 *
 * An error after the first byte cannot change the 200 already sent, and a plain-text client has
 * no other channel, so the stream ends with one line it can detect: `\n[error: <code>] <message>\n`.
 * A stream that ends without that line ended cleanly.
 */
export function createTextEncoder(): Encoder {
  return {
    contentType: 'text/plain; charset=utf-8',
    event(event) {
      // A refusal is what the model answered instead: a reader of plain text is owed it.
      return event.type === 'text' || event.type === 'refusal' ? event.text : '';
    },
    error(error) {
      return `\n[error: ${error.code}] ${error.message}\n`;
    },
    end() {
      return '';
    },
    probe() {
      // Any byte would become part of the answer, so plain text cannot probe the client.
      return '';
    },
  };
}
