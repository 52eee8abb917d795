import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, fakeLog, uniqueId } from '../support/fake-control';
import { callGateway } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';

describe('a warm-up is an upstream call: it needs one of the key’s stream slots', () => {
  it("20 warm-ups while the key's only slot is held reach the provider 0 times; once free, one does", async () => {
    const { key } = await createKey({ concurrency: 1 });
    const as = (path: string, body: unknown) => callGateway({ path, body, env: deployed(), headers: bearer(key) });
    const longModel = `local/${scenario({ id: uniqueId('slot-long'), tokens: 200, gap: 20 })}`;
    const warmId = uniqueId('slot-warm');
    const warmModel = `local/${scenario({ id: warmId, tokens: 3, gap: 30 })}`;
    const create = async (model: string, warmup: boolean) =>
      ((await (await as('/v1/sessions', { model, system: 'Be brief.', warmup })).json()) as { id: string }).id;
    const [long, warm] = await Promise.all([create(longModel, false), create(warmModel, true)]);

    const turn = await as(`/v1/sessions/${long}/messages`, { content: 'Go', stream: true });
    const reader = (turn.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    for (let i = 0; i < 20; i++) {
      const res = await as(`/v1/sessions/${warm}/warmup`, {});
      expect(res.status).toBe(429);
      expect((await errorOf(res)).code).toBe('key_concurrency_limited');
    }
    expect((await fakeLog(warmId)).requests).toBe(0);

    await as(`/v1/sessions/${long}/interrupt`, {});
    await reader.cancel();
    const started = await eventually(
      () => as(`/v1/sessions/${warm}/warmup`, {}),
      (res) => res.status !== 429,
    );
    expect(await started.json()).toEqual({ warmup: 'started' });
    // The warm-up gives its slot back when it ends: a turn is admitted after it.
    const next = await eventually(
      () => as(`/v1/sessions/${warm}/messages`, { content: 'Hi' }),
      (res) => res.status !== 429,
    );
    expect(next.status).toBe(200);
    expect((await fakeLog(warmId)).requests).toBe(2);
  });
});
