// @ts-check
/**
 * Incremental SSE parsing over fetch's ReadableStream (EventSource cannot POST or set headers).
 * Yields the events of each network read together, so the page renders once per read, not once
 * per token. Follows the WHATWG rules that matter here: CRLF/CR/LF line ends, comments, multi-line
 * `data`, and an `id` that stays set for later events.
 */

/** @typedef {{ id: string | null, event: string, data: string }} SseEvent */

/**
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<SseEvent[]>}
 */
export async function* sseBatches(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  /** @type {string[]} */
  let data = [];
  let event = '';
  /** @type {string | null} */
  let lastId = null;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      // A CR at the very end may be the first half of a CRLF: keep it for the next read.
      const cut = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
      buffer = (lines.pop() ?? '') + buffer.slice(cut);
      /** @type {SseEvent[]} */
      const batch = [];
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) batch.push({ id: lastId, event: event || 'message', data: data.join('\n') });
          data = [];
          event = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let text = colon === -1 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) text = text.slice(1);
        if (field === 'data') data.push(text);
        else if (field === 'event') event = text;
        else if (field === 'id' && !text.includes('\0')) lastId = text;
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
