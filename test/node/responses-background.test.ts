import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeUrl, uniqueId, untilHungUp } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

let gateway: RunningGateway;
beforeAll(async () => {
  gateway = await startGateway({ LOCAL_BASE_URL: `${fakeUrl()}/v1`, UPSTREAM_MAX_RETRIES: '0' });
});
afterAll(() => gateway?.dispose());

const client = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'not-needed-locally', maxRetries: 0 });
const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;

type Event = OpenAI.Responses.ResponseStreamEvent;

/** Reads a resumed stream to its end (or `limit` events), as the SDK gives it. */
async function read(id: string, startingAfter: number, limit = Number.POSITIVE_INFINITY): Promise<Event[]> {
  const stream = await client().responses.retrieve(id, { stream: true, starting_after: startingAfter });
  const events: Event[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length >= limit) {
      stream.controller.abort();
      break;
    }
  }
  return events;
}

describe('background responses', () => {
  it('run without the client and resume from every reconnect point with nothing missing or repeated', async () => {
    const queued = await client().responses.create({
      model: local({ id: uniqueId('bg'), tokens: 6, gap: 30 }),
      input: 'Hello',
      background: true,
    });
    expect(queued).toMatchObject({ status: 'queued', background: true });

    // A reader that leaves after three events, and comes back while the reply is still streaming.
    const head = await read(queued.id, -1, 3);
    const tail = await read(queued.id, head.at(-1)?.sequence_number ?? -1);
    const all = [...head, ...tail];
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(all.at(-1)?.type).toBe('response.completed');
    const text = all.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
    expect(text).toBe('tok0 tok1 tok2 tok3 tok4 tok5 ');

    for (let after = -1; after < all.length; after++) {
      const resumed = await read(queued.id, after);
      expect(resumed.map((e) => e.sequence_number)).toEqual(all.slice(after + 1).map((e) => e.sequence_number));
    }
    const done = await client().responses.retrieve(queued.id);
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe(text);
  });

  it('streams from the start when created with stream: true', async () => {
    const stream = await client().responses.create({
      model: local({ id: uniqueId('bg-stream'), tokens: 3 }),
      input: 'Hello',
      background: true,
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('cancel stops the generation, aborts the upstream and leaves the response cancelled', async () => {
    const id = uniqueId('bg-cancel');
    const queued = await client().responses.create({
      model: local({ id, tokens: 200, gap: 20 }),
      input: 'Hello',
      background: true,
    });
    // Wait for the first token, through the stream rather than a sleep.
    const first = await read(queued.id, -1, 5);
    expect(first.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    const cancelled = await client().responses.cancel(queued.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await untilHungUp(id)).hungUp).toBe(1);
    expect((await client().responses.retrieve(queued.id)).status).toBe('cancelled');
  });
});
