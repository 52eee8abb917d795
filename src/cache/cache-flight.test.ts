import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../stream/events';
import { BACKLOG_CHARS, Flight } from './cache-flight';
import { createCacheDecoder } from './cache-wire';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  const decoder = createCacheDecoder();
  for await (const chunk of stream) decoder.push(chunk, (e) => out.push(e));
  decoder.end((e) => out.push(e));
  return out;
}

const text = (t: string): StreamEvent => ({ type: 'text', text: t });

describe('Flight', () => {
  it('a reader that joins late gets everything so far, then the live tail', async () => {
    const flight = new Flight(() => {});
    const early = readAll(flight.stream());
    flight.append(text('a'));
    flight.append(text('b'));
    const late = readAll(flight.stream());
    flight.append(text('c'));
    flight.end();
    const all = [text('a'), text('b'), text('c')];
    expect(await early).toEqual(all);
    expect(await late).toEqual(all);
  });

  it('calls onDeserted when the last reader leaves before the end, not before', async () => {
    let deserted = 0;
    const flight = new Flight(() => deserted++);
    const [a, b] = [flight.stream(), flight.stream()];
    flight.append(text('a'));
    await a.cancel();
    expect(deserted).toBe(0);
    await b.cancel();
    expect(deserted).toBe(1);
  });

  it('a reader that read to the end does not desert', async () => {
    let deserted = 0;
    const flight = new Flight(() => deserted++);
    const reading = readAll(flight.stream());
    flight.append(text('a'));
    flight.end();
    await reading;
    expect(deserted).toBe(0);
  });
});

describe('Flight: memory and pace', () => {
  it('holds the upstream while a reader has BACKLOG_CHARS left to take, and lets it go once taken', async () => {
    const flight = new Flight(() => {});
    const reader = flight.stream().getReader();
    flight.append(text('x'.repeat(BACKLOG_CHARS)));
    let drained = false;
    const waiting = flight.drained(60_000).then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    await reader.read();
    await waiting;
    expect(drained).toBe(true);
  });

  it('a reader still BACKLOG_CHARS behind after the bound is cut; the others read on', async () => {
    const flight = new Flight(() => {});
    const lagging = flight.stream().getReader();
    const reading = readAll(flight.stream());
    flight.append(text('x'.repeat(BACKLOG_CHARS)));
    await flight.drained(20);
    expect(await lagging.read()).toEqual({ done: true, value: undefined });
    flight.append(text('y'));
    flight.end();
    expect((await reading).map((event) => event.type === 'text' && event.text.slice(0, 1))).toEqual(['x', 'y']);
  });

  it('past retainChars: not whole, keeps only what a reader has yet to take, stores nothing', async () => {
    const flight = new Flight(() => {}, 100);
    const all = readAll(flight.stream());
    for (let i = 0; i < 10; i++) flight.append(text(`event ${i} `.padEnd(30, '.')));
    expect(flight.whole).toBe(false);
    expect(flight.text()).toBeUndefined();
    flight.end();
    expect((await all).length).toBe(10);
  });
});
