// `node bench/splice-gap.mjs`: mid-stream failover with splice, measured from the client. Each
// stream's first target fails at a random point of the reply with a random kind of failure
// (reset, truncation without finish, in-band error, stall past the idle timeout); the alias
// splices onto a second, continuation-capable target. Reports the share of failures the client
// never saw (the whole reply, no error event, one finish) and the gap at the splice point against
// the reply's normal inter-token gap. The Worker is the bundle `wrangler deploy --dry-run`
// builds, served by bare workerd, one stream at a time.
//
//   node bench/splice-gap.mjs [--streams 200] [--tokens 40] [--gap 10] [--idle 250] [--ttft 0]
//
// --ttft: the second target's time to its first token, which a continuation waits for (its
// prefill of prompt and prefix); 0 leaves the gateway's own share of the gap.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { expectedText, parseScenario, scenario } from '../test/fake-provider/scenario.ts';
import { keepAliveAgent, streamOnce } from './lib/client.mjs';
import * as procs from './lib/procs.mjs';
import { summarize } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    streams: { type: 'string', default: '200' },
    tokens: { type: 'string', default: '40' },
    gap: { type: 'string', default: '10' },
    idle: { type: 'string', default: '250' },
    ttft: { type: 'string', default: '0' },
  },
});
const STREAMS = Number(opts.streams);
const TOKENS = Number(opts.tokens);
const WARMUP = 10;
const KINDS = ['reset_after', 'truncate_after', 'error_after', 'stall_after'];
// Bounded in time as well as count: a stuck run stops instead of hanging the machine.
const deadline = AbortSignal.timeout(300_000);

const dir = mkdtempSync(join(os.tmpdir(), 'infe-splice-bench-'));
const stops = [];
try {
  const { name: bundleName } = await procs.buildBundle(dir, 'dev');
  const settings = procs.wranglerSettings('dev');
  const fake = await procs.startFakeProvider(dir);
  stops.push(() => fake.stop());
  const port = await procs.freePort();
  const reply = { tokens: TOKENS, gap: Number(opts.gap) };
  // Both targets are `local` (vLLM's continue_final_message): its continuation repeats nothing,
  // so the first continued token is the one the failure held back, and the gap is the splice's own.
  const alias = (kind, at) => ({
    targets: [
      `local/${scenario({ id: 'first', ...reply, [kind]: at })}`,
      `local/${scenario({ id: 'second', ...reply, ttft: Number(opts.ttft) })}`,
    ],
    resume: { mode: 'splice' },
  });
  const aliases = {};
  for (const kind of KINDS) for (let at = 1; at < TOKENS; at++) aliases[`${kind}-${at}`] = alias(kind, at);
  const bindings = {
    ...settings.vars,
    LOCAL_BASE_URL: `${fake.url}/v1`,
    UPSTREAM_MAX_RETRIES: '0',
    STREAM_IDLE_TIMEOUT_MS: opts.idle,
    GATEWAY_CONFIG: JSON.stringify({ aliases }),
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

  const parsed = parseScenario(scenario(reply));
  if (!parsed.ok) throw new Error(parsed.error);
  const base = { url: workerd.url, agent: keepAliveAgent(), expectedText: expectedText(parsed.scenario) };
  const call = (model) => streamOnce({ ...base, model, signal: deadline, timeoutMs: 30_000 });

  const spliceGaps = { fast: [], stall: [] };
  const normalGaps = [];
  let hidden = 0;
  let runs = 0;
  const failures = [];
  for (let i = 0; i < WARMUP + STREAMS && !deadline.aborted; i++) {
    const kind = KINDS[i % KINDS.length];
    const at = 1 + Math.floor(Math.random() * (TOKENS - 1));
    const result = await call(`${kind}-${at}`);
    if (i < WARMUP) continue;
    runs++;
    if (!result.ok) {
      failures.push(`${kind} at ${at}: ${result.error}`);
      continue;
    }
    hidden++;
    // gapsMs[k] is the gap before the (k+2)-th content arrival: the splice sits before arrival at+1.
    const splice = result.gapsMs[at - 1];
    (kind === 'stall_after' ? spliceGaps.stall : spliceGaps.fast).push(splice);
    normalGaps.push(...result.gapsMs.filter((_, k) => k !== at - 1));
  }
  base.agent.destroy();

  const fmt = (v) => `${v.toFixed(1)} ms`;
  const line = (name, s) => `${name.padEnd(50)} p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  (n=${s.n})`;
  const normal = summarize(normalGaps);
  const fast = summarize(spliceGaps.fast);
  console.log(
    `bare workerd, 1 stream at a time, ${TOKENS}-token replies, ${opts.gap} ms between tokens, continuation TTFT ${opts.ttft} ms`,
  );
  console.log(`failures hidden from the client: ${hidden}/${runs} (${((100 * hidden) / runs).toFixed(1)} %)`);
  console.log(line('normal inter-token gap', normal));
  console.log(line('gap at the splice: reset, truncation, error', fast));
  console.log(line(`gap at the splice: stall (idle timeout ${opts.idle} ms)`, summarize(spliceGaps.stall)));
  console.log(
    `added at the splice (reset, truncation, error): p50 ${fmt(fast.p50 - normal.p50)}, p99 ${fmt(fast.p99 - normal.p99)}`,
  );
  for (const failure of failures.slice(0, 10)) console.log(`  seen by the client: ${failure}`);
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}
