// `npm run bench:warmup`: the TTFT of a session's next turn with and without a warm-up sent
// while the user types, against the fake provider's prefix-cache model (prefill time grows with
// the prompt no earlier request covered). The Worker runs in workerd over real HTTP (Miniflare).
// Two regimes, each measured interleaved with and without a warm-up:
//   warm: the conversation just went on; the provider cached the previous turn's prompt but not
//         the reply that followed it;
//   cold: the provider's cache lost the prefix while the user was reading and typing (Anthropic
//         keeps it 5 minutes; vLLM evicts under load), modelled by clearing the fake's cache.

import { scenario } from '../test/fake-provider/scenario.ts';
import { startFakeProvider } from '../test/fake-provider/server.ts';
import { startGateway } from '../test/node/worker-in-workerd.ts';

const TRIALS = 20;
/** Prefill cost in the fake: ms per 1000 uncached prompt characters (≈ 250 tokens). */
const PREFILL_MS_PER_1000 = 20;
const SYSTEM = 'You are a careful assistant. '.repeat(70);
/** Nine turns of 1800-character questions and ~600-character replies: about 22k characters. */
const HISTORY_TURNS = 9;
const QUESTION = (i: number) => `Question ${i}: ${'Explain the trade-offs in detail. '.repeat(53)}`;
/** Time the user spends typing: long enough for the warm-up's cold prefill to finish. */
const TYPING_MS = 1000;

const fake = await startFakeProvider();
const gateway = await startGateway({ LOCAL_BASE_URL: `${fake.url}/v1` });
const post = (path: string, body: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const fakeLog = async (id: string) =>
  (await (await fetch(`${fake.url}/_control/log/${id}`)).json()) as {
    hungUp: number;
    completed: number;
    lastPrefix: { uncachedChars: number } | null;
  };

/** Sends a streamed message and returns the time to its first token event. */
async function ttftOf(sid: string, content: string): Promise<number> {
  const started = performance.now();
  const res = await post(`/v1/sessions/${sid}/messages`, { content, stream: true });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let seen = '';
  let ttft = Number.NaN;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return ttft;
    seen += decoder.decode(value, { stream: true });
    if (Number.isNaN(ttft) && seen.includes('event: token')) ttft = performance.now() - started;
  }
}

type Regime = 'warm' | 'cold';
interface Sample {
  ttft: number;
  uncachedChars: number;
}

async function trial(regime: Regime, warmup: boolean, n: number): Promise<Sample> {
  const id = `bench-warmup-${regime}-${warmup ? 'on' : 'off'}-${n}-${Date.now()}`;
  const model = `local/${scenario({ id, tokens: 100, prefix_cache: PREFILL_MS_PER_1000 })}`;
  const created = await post('/v1/sessions', { model, system: SYSTEM, context_budget: 16_000, warmup: true });
  const sid = ((await created.json()) as { id: string }).id;
  for (let i = 0; i < HISTORY_TURNS; i++) await ttftOf(sid, QUESTION(i));
  if (regime === 'cold') await fetch(`${fake.url}/_control/reset`, { method: 'POST' });
  const ended = async () => {
    const log = await fakeLog(id);
    return log.hungUp + log.completed;
  };
  const endedBefore = await ended();
  if (warmup) {
    const answer = (await (await post(`/v1/sessions/${sid}/warmup`, {})).json()) as { warmup: string };
    if (answer.warmup !== 'started') throw new Error(`warm-up not started: ${JSON.stringify(answer)}`);
  }
  await new Promise((resolve) => setTimeout(resolve, TYPING_MS));
  if (warmup && (await ended()) === endedBefore) throw new Error('the warm-up did not finish in time');
  const ttft = await ttftOf(sid, QUESTION(HISTORY_TURNS));
  return { ttft, uncachedChars: (await fakeLog(id)).lastPrefix?.uncachedChars ?? Number.NaN };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;

try {
  console.log(
    `${TRIALS} trials per row, interleaved; fake prefill ${PREFILL_MS_PER_1000} ms per 1000 uncached chars; ` +
      `context ≈ ${SYSTEM.length + HISTORY_TURNS * (QUESTION(0).length + 600)} chars`,
  );
  for (const regime of ['warm', 'cold'] as const) {
    const samples: Record<'on' | 'off', Sample[]> = { on: [], off: [] };
    for (let n = 0; n < TRIALS; n++) {
      // Alternate which mode goes first, so drift over the run favours neither.
      const order = n % 2 === 0 ? [true, false] : [false, true];
      for (const warmup of order) samples[warmup ? 'on' : 'off'].push(await trial(regime, warmup, n));
    }
    for (const mode of ['off', 'on'] as const) {
      const ttfts = samples[mode].map((s) => s.ttft).sort((a, b) => a - b);
      const uncached = samples[mode].reduce((sum, s) => sum + s.uncachedChars, 0) / samples[mode].length;
      console.log(
        `${regime} cache, warm-up ${mode.padEnd(3)}: next turn TTFT p50 ${pct(ttfts, 0.5).toFixed(1)} ms, ` +
          `p95 ${pct(ttfts, 0.95).toFixed(1)} ms (uncached prompt at the provider: ${Math.round(uncached)} chars)`,
      );
    }
  }
} finally {
  await gateway.dispose();
  await fake.close();
}
