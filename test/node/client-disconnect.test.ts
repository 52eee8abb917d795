import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeUrl, uniqueId, untilHungUp } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

/**
 * Real sockets: a client that hangs up must make the gateway abort its upstream request.
 * Only real HTTP shows what workerd does with a disconnect.
 */
let plain: RunningGateway;
let probing: RunningGateway;
beforeAll(async () => {
  const bindings = { LOCAL_BASE_URL: `${fakeUrl()}/v1` };
  [plain, probing] = await Promise.all([startGateway(bindings), startGateway({ ...bindings, PREFILL_PROBE_MS: '50' })]);
});
afterAll(async () => {
  await Promise.all([plain?.dispose(), probing?.dispose()]);
});

/** Opens a streaming request; `hangUp` destroys the socket from the client side. */
function openStream(gatewayUrl: string, model: string) {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
  const req = request(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  const firstBytes = new Promise<string>((resolve, reject) => {
    req.on('response', (res) => res.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    req.on('error', reject);
  });
  req.end(body);
  return { firstBytes, hangUp: () => req.destroy() };
}

describe('a client that hangs up', () => {
  it('after the first token: the upstream request is aborted', async () => {
    const id = uniqueId('hangup-late');
    const stream = openStream(plain.url, `local/${scenario({ id, tokens: 200, gap: 20 })}`);
    expect(await stream.firstBytes).toContain('data: ');
    stream.hangUp();
    const log = await untilHungUp(id);
    expect(log).toMatchObject({ hungUp: 1, completed: 0 });
  });

  it('during prefill, with PREFILL_PROBE_MS: the probe notices and the upstream request is aborted', async () => {
    const id = uniqueId('hangup-early');
    const stream = openStream(probing.url, `local/${scenario({ id, ttft: 4000, tokens: 3 })}`);
    expect(await stream.firstBytes).toMatch(/^: /);
    stream.hangUp();
    const log = await untilHungUp(id);
    expect(log).toMatchObject({ hungUp: 1, completed: 0 });
  });
});
