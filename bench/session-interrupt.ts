// `npm run bench:sessions`: how fast an interrupt reaches the provider (POST /interrupt → the
// fake provider sees the hang-up), and whether resuming from every reconnect point of a long
// reply yields exactly the full stream. The Worker runs in workerd over real HTTP (Miniflare),
// the fake provider in this process, so both timestamps come from one clock.

import { scenario } from '../test/fake-provider/scenario.ts';
import { startFakeProvider } from '../test/fake-provider/server.ts';
import { startGateway } from '../test/node/worker-in-workerd.ts';

const TRIALS = 30;
const RESUME_TOKENS = 300;

const fake = await startFakeProvider();
const gateway = await startGateway({ LOCAL_BASE_URL: `${fake.url}/v1` });
const api = (path: string, init?: RequestInit) => fetch(`${gateway.url}${path}`, init);
const post = (path: string, body: unknown) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const log = async (id: string) =>
  (await (await fetch(`${fake.url}/_control/log/${id}`)).json()) as { hungUp: number; lastHangupAt: number | null };

function frames(text: string): Array<{ id: number; event: string; data: string }> {
  return text
    .split('\n\n')
    .filter((b) => b.includes('data: '))
    .map((b) => ({
      id: Number(/^id: (.*)$/m.exec(b)?.[1]),
      event: /^event: (.*)$/m.exec(b)?.[1] ?? '',
      data: /^data: (.*)$/m.exec(b)?.[1] ?? '',
    }));
}

async function session(model: string): Promise<string> {
  return ((await (await post('/v1/sessions', { model })).json()) as { id: string }).id;
}

try {
  const latencies: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const id = `bench-interrupt-${i}-${Date.now()}`;
    const sid = await session(`local/${scenario({ id, tokens: 1000, gap: 10 })}`);
    const res = await post(`/v1/sessions/${sid}/messages`, { content: 'Go', stream: true });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    while ((seen.match(/event: token/g) ?? []).length < 3)
      seen += new TextDecoder().decode((await reader.read()).value);
    const sentAt = Date.now();
    await (await post(`/v1/sessions/${sid}/interrupt`, {})).json();
    const answeredAt = Date.now();
    await reader.cancel();
    let entry = await log(id);
    for (let n = 0; entry.hungUp === 0 && n < 100; n++) {
      await new Promise((r) => setTimeout(r, 10));
      entry = await log(id);
    }
    if (entry.lastHangupAt === null) throw new Error(`trial ${i}: the provider never saw a hang-up`);
    latencies.push(entry.lastHangupAt - sentAt);
    if (i === 0) console.log(`first trial: interrupt answered after ${answeredAt - sentAt} ms`);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  console.log(
    `interrupt → provider sees the hang-up, ${TRIALS} trials: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${latencies.at(-1)} ms`,
  );

  const sid = await session(`local/${scenario({ id: `bench-resume-${Date.now()}`, tokens: RESUME_TOKENS })}`);
  const full = frames(await (await post(`/v1/sessions/${sid}/messages`, { content: 'Go', stream: true })).text());
  let exact = 0;
  for (let k = 0; k < full.length; k++) {
    const rest = frames(
      await (await api(`/v1/sessions/${sid}/stream`, { headers: { 'last-event-id': String(full[k]?.id) } })).text(),
    );
    const stitched = [...full.slice(0, k + 1), ...rest];
    if (JSON.stringify(stitched) === JSON.stringify(full)) exact++;
  }
  console.log(
    `resume: ${exact}/${full.length} reconnect points gave exactly the full stream (${RESUME_TOKENS}-token reply)`,
  );
  if (exact !== full.length) process.exitCode = 1;
} finally {
  await gateway.dispose();
  await fake.close();
}
