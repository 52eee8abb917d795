import { describe, expect, it } from 'vitest';
import { BackgroundRun, replay } from './background-run';

const frame = (seq: number) => `event: e\ndata: {"sequence_number":${seq}}\n\n`;
const text = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe('BackgroundRun', () => {
  it('logs whole frames however the output is cut, and drops probe comments', () => {
    const run = new BackgroundRun();
    const all = `${frame(0)}: waiting for the provider\n\n${frame(1)}${frame(2)}`;
    for (let i = 0; i < all.length; i += 7) run.push(all.slice(i, i + 7));
    expect(run.log).toEqual([frame(0), frame(1), frame(2)]);
  });

  it('gives a reader the frames after its point, then the live ones, until the run ends', async () => {
    const run = new BackgroundRun();
    run.push(frame(0) + frame(1));
    const reading = text(run.stream(0));
    run.push(frame(2));
    run.end();
    expect(await reading).toBe(frame(1) + frame(2));
  });

  it('replays a finished log from any point', async () => {
    const frames = [frame(0), frame(1), frame(2)];
    for (let after = -1; after <= 2; after++)
      expect(await text(replay(frames, after))).toBe(frames.slice(after + 1).join(''));
  });
});
