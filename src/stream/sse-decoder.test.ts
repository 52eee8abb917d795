import { describe, expect, it } from 'vitest';
import { createSseDecoder, type SseMessage } from './sse-decoder';

function decode(pieces: Array<string | Uint8Array>) {
  const messages: SseMessage[] = [];
  let comments = 0;
  const decoder = createSseDecoder({ message: (m) => messages.push(m), comment: () => comments++, tooLarge: () => {} });
  const encoder = new TextEncoder();
  for (const piece of pieces) decoder.push(typeof piece === 'string' ? encoder.encode(piece) : piece);
  decoder.end();
  return { messages, comments };
}

describe('createSseDecoder', () => {
  it('joins multi-line data and reads event names', () => {
    expect(decode(['event: delta\ndata: one\ndata: two\n\n']).messages).toEqual([{ event: 'delta', data: 'one\ntwo' }]);
  });

  it('accepts CRLF and bare CR line endings', () => {
    expect(decode(['data: a\r\n\r\ndata: b\r\rdata: c\n\n']).messages.map((m) => m.data)).toEqual(['a', 'b', 'c']);
  });

  it('reports comment lines without producing messages', () => {
    expect(decode([': keep-alive\n\n: ping\n\ndata: x\n\n'])).toEqual({
      messages: [{ event: undefined, data: 'x' }],
      comments: 2,
    });
  });

  it('decodes multi-byte UTF-8 split across reads at every byte', () => {
    const bytes = new TextEncoder().encode('data: Grüße 東京 🚀\r\n\r\n');
    const whole = decode([bytes]).messages;
    expect(whole).toEqual([{ event: undefined, data: 'Grüße 東京 🚀' }]);
    for (let i = 1; i < bytes.length; i++) {
      expect(decode([bytes.subarray(0, i), bytes.subarray(i)]).messages).toEqual(whole);
    }
    expect(decode(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))).messages).toEqual(whole);
  });

  it('drops a final event that never got its blank line, so a cut stream stays visibly cut', () => {
    expect(decode(['data: complete\n\ndata: cut off']).messages.map((m) => m.data)).toEqual(['complete']);
  });

  it('refuses a line that grows without end instead of buffering it, and reads nothing after it', () => {
    let tooLarge = 0;
    const messages: string[] = [];
    const decoder = createSseDecoder({
      message: (m) => messages.push(m.data),
      comment: () => {},
      tooLarge: () => tooLarge++,
    });
    const chunk = new TextEncoder().encode(`data: ${'x'.repeat(1024 * 1024)}`);
    for (let i = 0; i < 6; i++) decoder.push(chunk);
    decoder.push(new TextEncoder().encode('\n\ndata: later\n\n'));
    decoder.end();
    expect(tooLarge).toBe(1);
    expect(messages).toEqual([]);
  });
});
