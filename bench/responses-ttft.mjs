// `node bench/responses-ttft.mjs`: the TTFT `/v1/responses` adds over `/v1/chat/completions` for
// the same fake reply, one stream at a time, with the Worker built by `wrangler deploy --dry-run`
// and served by bare workerd. Requests alternate A B B A so drift hits both routes alike.
//
//   node bench/responses-ttft.mjs [--streams 200] [--tokens 20] [--gap 5] [--passthrough]
//
// --passthrough: `local` serves /responses (LOCAL_RESPONSES_API=true), so /v1/responses is relayed
// from the fake's own Responses stream instead of translated to chat completions.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { expectedText, parseScenario, scenario } from '../test/fake-provider/scenario.ts';
import { keepAliveAgent, responsesStreamOnce, streamOnce } from './lib/client.mjs';
import * as procs from './lib/procs.mjs';
import { summarize } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    streams: { type: 'string', default: '200' },
    tokens: { type: 'string', default: '20' },
    gap: { type: 'string', default: '5' },
    passthrough: { type: 'boolean', default: false },
  },
});
const STREAMS = Number(opts.streams);
const WARMUP = 20;
// Bounded in time as well as count: a stuck run stops instead of hanging the machine.
const deadline = AbortSignal.timeout(300_000);

const dir = mkdtempSync(join(os.tmpdir(), 'infe-responses-bench-'));
const stops = [];
try {
  const { name: bundleName } = await procs.buildBundle(dir, 'dev');
  const settings = procs.wranglerSettings('dev');
  const fake = await procs.startFakeProvider(dir);
  stops.push(() => fake.stop());
  const port = await procs.freePort();
  const bindings = {
    ...settings.vars,
    LOCAL_BASE_URL: `${fake.url}/v1`,
    ...(opts.passthrough && { LOCAL_RESPONSES_API: 'true' }),
  };
  const workerd = await procs.startWorkerd(
    dir,
    procs.workerdConfig({
      bundleName,
      port,
      compatibilityDate: settings.compatibilityDate,
      compatibilityFlags: settings.compatibilityFlags,
      bindings,
    }),
    port,
  );
  stops.push(() => workerd.stop());

  const fakeModel = scenario({ tokens: Number(opts.tokens), gap: Number(opts.gap) });
  const parsed = parseScenario(fakeModel);
  if (!parsed.ok) throw new Error(parsed.error);
  const call = {
    url: workerd.url,
    agent: keepAliveAgent(),
    model: `local/${fakeModel}`,
    expectedText: expectedText(parsed.scenario),
    signal: deadline,
    timeoutMs: 30_000,
  };
  const routes = { chat: () => streamOnce(call), responses: () => responsesStreamOnce(call) };
  const samples = { chat: [], responses: [] };
  for (let i = 0; i < WARMUP + STREAMS && !deadline.aborted; i++) {
    const order = i % 2 === 0 ? ['chat', 'responses'] : ['responses', 'chat'];
    for (const route of order) {
      const result = await routes[route]();
      if (!result.ok) throw new Error(`${route}: ${result.error}`);
      if (i >= WARMUP) samples[route].push(result.ttftMs);
    }
  }
  call.agent.destroy();
  const chat = summarize(samples.chat);
  const responses = summarize(samples.responses);
  const fmt = (v) => `${v.toFixed(2)} ms`;
  const mode = opts.passthrough ? 'passthrough' : 'translated';
  console.log(`bare workerd, ${samples.chat.length} streams per route, 1 at a time, model ${fakeModel}, ${mode}`);
  console.log(`/v1/chat/completions TTFT p50 ${fmt(chat.p50)}  p90 ${fmt(chat.p90)}  p99 ${fmt(chat.p99)}`);
  console.log(
    `/v1/responses        TTFT p50 ${fmt(responses.p50)}  p90 ${fmt(responses.p90)}  p99 ${fmt(responses.p99)}`,
  );
  console.log(`added by /v1/responses: p50 ${fmt(responses.p50 - chat.p50)}, p99 ${fmt(responses.p99 - chat.p99)}`);
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}
