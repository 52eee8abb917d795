import { describe, expect, it } from 'vitest';
import { upstreamNetworkError } from '../errors/upstream';
import type { StreamEvent } from '../stream/events';
import type { Connection } from './connection';
import { type SpliceContinuation, Splicer } from './splice';

const connection = (provider: string) =>
  ({ provider: { id: provider, models: [] }, model: 'm', initial: [], ttftMs: 0 }) as unknown as Connection;

/** Splits `text` into text events at the given cut points. */
const pieces = (text: string, cuts: number[]) =>
  [0, ...cuts, text.length]
    .slice(1)
    .map((end, i, ends): StreamEvent => ({ type: 'text', text: text.slice(i === 0 ? 0 : ends[i - 1], end) }))
    .filter((event) => event.type === 'text' && event.text !== '');

/** Runs `before`, a failure spliced onto a continuation that repeats `repeat`, then `after`; returns the text passed on. */
async function spliced(before: StreamEvent[], continuation: SpliceContinuation, after: StreamEvent[]) {
  let text = '';
  const sink = (event: StreamEvent) => {
    if (event.type === 'text') text += event.text;
  };
  const splicer = new Splicer(async () => continuation);
  for (const event of before) splicer.pass(event, sink);
  await splicer.splice(connection('a'), upstreamNetworkError('a'), new AbortController().signal);
  for (const event of after) splicer.pass(event, sink);
  return { text, record: splicer.records[0] };
}

describe('Splicer', () => {
  it('drops the continuation preamble and the expected repeat, however the repeat is split', async () => {
    const continuation = { connection: connection('b'), repeat: ' lazy', promptTokens: 9 };
    const after = ' lazy dog.';
    for (let a = 0; a <= after.length; a++) {
      for (let b = a; b <= after.length; b++) {
        const events: StreamEvent[] = [{ type: 'start' }, { type: 'upstream-extra', dialect: 'openai' }];
        const { text, record } = await spliced(pieces('The quick fox lazy', [4, 10]), continuation, [
          ...events,
          ...pieces(after, [a, b]),
          { type: 'finish', reason: 'stop' },
        ]);
        expect(text, `cut at ${a}, ${b}`).toBe('The quick fox lazy dog.');
        expect(record).toMatchObject({ offsetChars: 18, overlapChars: 5, from: 'a/m', to: 'b/m' });
      }
    }
  });

  it('passes on, as it came, a start that only looked like the repeat', async () => {
    const continuation = { connection: connection('b'), repeat: ' lazy', promptTokens: 9 };
    for (let a = 0; a <= 6; a++) {
      const { text, record } = await spliced(pieces('The lazy', []), continuation, pieces(' lamb.', [a]));
      expect(text, `cut at ${a}`).toBe('The lazy lamb.');
      expect(record?.overlapChars).toBe(0);
    }
  });

  it('forgets the repeat a continuation that failed mid-repeat left held', async () => {
    let text = '';
    const sink = (event: StreamEvent) => {
      if (event.type === 'text') text += event.text;
    };
    const continuations = [
      { connection: connection('b'), repeat: ' lazy', promptTokens: 9 },
      { connection: connection('c'), repeat: 'X', promptTokens: 9 },
    ];
    const splicer = new Splicer(async () => continuations.shift());
    splicer.pass({ type: 'text', text: 'The lazy' }, sink);
    await splicer.splice(connection('a'), upstreamNetworkError('a'), new AbortController().signal);
    // The continuation fails after part of its repeat: held, not sent.
    splicer.pass({ type: 'text', text: ' la' }, sink);
    await splicer.splice(connection('b'), upstreamNetworkError('b'), new AbortController().signal);
    splicer.pass({ type: 'text', text: ' dog.' }, sink);
    expect(text).toBe('The lazy dog.');
  });

  it('takes the prompt tokens the continuation reports over the estimate', async () => {
    const continuation = { connection: connection('b'), repeat: '', promptTokens: 9 };
    const { record } = await spliced(pieces('Hi', []), continuation, [
      { type: 'start', usage: { inputTokens: 42 } },
      { type: 'text', text: ' there' },
    ]);
    expect(record).toMatchObject({ promptTokens: 42, promptTokensEstimated: false, offsetTokens: 1 });
  });

  it('cannot splice once a tool call, reasoning or another choice began, nor a relayed Responses stream', () => {
    const cases: StreamEvent[] = [
      { type: 'tool-call-start', index: 0, id: 'c', name: 'f' },
      { type: 'reasoning', text: 'hm' },
      { type: 'text', text: 'b', choice: 1 },
      { type: 'upstream-extra', dialect: 'responses', event: { type: 'response.output_item.added' } },
    ];
    for (const event of cases) {
      const splicer = new Splicer(async () => undefined);
      splicer.pass({ type: 'text', text: 'a' }, () => {});
      expect(splicer.possible).toBe(true);
      splicer.pass(event, () => {});
      expect(splicer.possible, event.type).toBe(false);
    }
  });
});
