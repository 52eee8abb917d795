import { describe, expect, it } from 'vitest';
import { fakeUrl } from '../../test/support/fake-control';
import { createModerationStage } from '../pipeline/moderation-stage';
import { composeStages, StageControl } from '../pipeline/stage';
import type { StreamEvent } from '../stream/events';
import { createHttpModerator } from './http-moderator';

const moderator = (timeoutMs?: number) => createHttpModerator({ baseUrl: `${fakeUrl()}/v1/`, apiKey: 'k', timeoutMs });

describe('createHttpModerator (against the fake provider)', () => {
  it('returns the verdict and the first flagged category', async () => {
    expect(await moderator().check('A perfectly harmless sentence.')).toEqual({ flagged: false });
    expect(await moderator().check('This is FORBIDDEN knowledge.')).toEqual({ flagged: true, category: 'illicit' });
  });

  it('rejects on an error status, so the stage fails open', async () => {
    await expect(moderator().check('fine [[status=503]]')).rejects.toThrow('moderation endpoint answered 503');
  });

  it('rejects with a TimeoutError when the endpoint is slower than its timeout', async () => {
    await expect(moderator(30).check('slow [[delay=500]]')).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('gives up when the caller aborts', async () => {
    const caller = new AbortController();
    const check = moderator().check('slow [[delay=500]]', caller.signal);
    caller.abort(new DOMException('stream over', 'AbortError'));
    await expect(check).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('drives the moderation stage to a retract of the flagged sentence', async () => {
    const control = new StageControl();
    const out: StreamEvent[] = [];
    const stage = createModerationStage(moderator())(control);
    const pipeline = composeStages([stage], (event) => out.push(event));
    const sentences = ['The weather is lovely today. ', 'Here is some forbidden advice. ', 'And more text'];
    for (const sentence of sentences) pipeline.push({ type: 'text', text: sentence });
    pipeline.push({ type: 'finish', reason: 'stop' });
    await pipeline.settle();
    pipeline.end();
    expect(control.stopped).toBe(true);
    expect(out.slice(-2)).toEqual([
      { type: 'retract', chars: ' Here is some forbidden advice. And more text'.length, reason: 'moderation:illicit' },
      { type: 'finish', reason: 'content_filter' },
    ]);
  });
});
