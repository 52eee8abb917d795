import { expect, it } from 'vitest';
import type { EventDecoder } from '../../src/providers/provider';
import type { StreamEvent } from '../../src/stream/events';

/** Decodes `bytes` fed in the given pieces; the decoder is fresh each time. */
export function decodeInPieces(createDecoder: () => EventDecoder, pieces: Uint8Array[]): StreamEvent[] {
  const decoder = createDecoder();
  const events: StreamEvent[] = [];
  const emit = (event: StreamEvent) => events.push(event);
  for (const piece of pieces) decoder.push(piece, emit);
  decoder.end(emit);
  return events;
}

/** Every way of cutting the stream in two, plus one byte at a time. */
export function* splits(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 1; i < bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
  yield Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** One test per fixture: every way of cutting its bytes decodes to the events of the whole. */
export function itDecodesAlikeHoweverSplit(createDecoder: () => EventDecoder, fixtures: Record<string, string>): void {
  for (const [name, fixture] of Object.entries(fixtures)) {
    it(`yields the same events for ${name} however the bytes are split`, () => {
      const bytes = new TextEncoder().encode(fixture);
      const whole = decodeInPieces(createDecoder, [bytes]);
      for (const pieces of splits(bytes)) expect(decodeInPieces(createDecoder, pieces)).toEqual(whole);
    });
  }
}
