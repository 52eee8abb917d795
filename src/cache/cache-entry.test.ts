import { describe, expect, it } from 'vitest';
import { type CacheEntry, replayStream } from './cache-entry';
import { eventLine } from './cache-wire';

const meta = { provider: 'p', model: 'm', upstreamMs: 1, createdAt: 0, expiresAt: 1 };

describe('replayStream', () => {
  it('replays a large answer in pieces cut after a line, all of it, in order', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => eventLine({ type: 'text', text: `token ${i} `.repeat(10) }));
    const entry: CacheEntry = { meta, lines: lines.join(''), offsets: lines.map(() => 0) };
    const decoder = new TextDecoder();
    const pieces: string[] = [];
    for await (const chunk of replayStream(entry, false)) pieces.push(decoder.decode(chunk));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true);
    expect(pieces.join('')).toBe(entry.lines);
  });
});
