/**
 * Per-event CPU of each piece of the relay's one stream hop, in process: the upstream decoder,
 * the guard, structured and observe stages, the OpenAI SSE encoder, and the whole chain as the
 * relay runs it. A measurement, not a test: workerd's clock stands still during synchronous work,
 * so it runs in Node (the same V8). `npm run bench:report` runs it; by hand:
 *
 *   node_modules/.bin/esbuild bench/stages.bench.ts --bundle --platform=node --format=esm --outfile=/tmp/stages-bench.mjs
 *   node /tmp/stages-bench.mjs [--json]
 */

import { settingsSchema } from '../src/config/settings';
import { createOpenAISseEncoder } from '../src/encoders/openai-sse';
import { type GuardPolicyInput, guardPolicySchema } from '../src/guard/policy';
import { Observation } from '../src/observe/observation';
import { createObserveStage } from '../src/observe/observe-stage';
import { timeStages } from '../src/observe/stage-timing';
import { buildPipeline } from '../src/pipeline/build-pipeline';
import { createGuardStage } from '../src/pipeline/guard-stage';
import { composeStages, type Stage, StageControl } from '../src/pipeline/stage';
import { createStructuredStage } from '../src/pipeline/structured-stage';
import { createOpenAIChunkDecoder } from '../src/providers/openai-chunk-decoder';
import { pipelineFor } from '../src/routing/resolve-targets';
import { chatRequestSchema } from '../src/schema/chat-request';
import type { StreamEvent } from '../src/stream/events';
import { openaiWire } from '../test/fake-provider/openai-wire';
import type { WireCtx } from '../test/fake-provider/wire';
import { jsonReply, STRUCTURED_REQUEST } from './lib/content.mjs';
import { PIPELINES } from './lib/pipelines.mjs';

// Typed for workers (tsconfig.json), run in Node: reach argv without Node's types.
const argv = (globalThis as { process?: { argv: string[] } }).process?.argv ?? [];
const JSON_MODE = argv.includes('--json');
const results: Array<{ name: string; bestUs: number; medianUs: number; events: number; note: string }> = [];

/** The live benchmark's guard: every detector and 20 phrases, redacting. */
const GUARD = guardPolicySchema.parse((PIPELINES.full?.pipeline as { guard: GuardPolicyInput } | undefined)?.guard);
const STRUCTURED = createStructuredStage({
  responseFormat: STRUCTURED_REQUEST.response_format as never,
  partialObjects: false,
  stopOnInvalid: false,
});

const units = (text: string, unit: number) => text.match(new RegExp(`[^]{1,${unit}}`, 'g')) ?? [];
/** 2,000 units each: the fake's `tokN ` tokens, and a JSON reply 4 characters at a time. */
const TOKENS = Array.from({ length: 2000 }, (_, i) => `tok${i} `);
const JSON_UNITS = units(jsonReply(8000), 4);

const textEvents = (parts: string[]): StreamEvent[] => [
  { type: 'start' },
  ...parts.map((text): StreamEvent => ({ type: 'text', text })),
  { type: 'finish', reason: 'stop' },
  { type: 'usage', usage: { inputTokens: 8, outputTokens: parts.length } },
];

/** The bytes the fake provider sends for these units, one network chunk per event as at gap > 0. */
function wireChunks(parts: string[]): Uint8Array[] {
  const ctx: WireCtx = {
    id: 'chatcmpl-fake1',
    toolId: 'call_fake1',
    model: 'fake;tokens=2000;gap=0',
    created: 1_700_000_000,
    promptTokens: 8,
    tool: false,
    usage: true,
    includeUsage: true,
    obfuscation: true,
  };
  const enc = new TextEncoder();
  return [
    openaiWire.preamble(ctx),
    ...parts.map((text, i) => openaiWire.unit(ctx, i, text)),
    openaiWire.finish(ctx, null, parts.length),
  ].map((s) => enc.encode(s));
}

/** Best and median of 7 timed rounds after a warm-up: other work on the machine only ever adds time. */
function measure(name: string, events: number, once: () => void, note = '') {
  const reps = Math.max(5, Math.round(40_000 / events));
  for (let i = 0; i < reps; i++) once();
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < reps; i++) once();
    rounds.push(((performance.now() - started) * 1000) / (reps * events));
  }
  rounds.sort((a, b) => a - b);
  const row = { name, bestUs: rounds[0] as number, medianUs: rounds[3] as number, events, note };
  results.push(row);
  if (!JSON_MODE)
    console.log(`${name.padEnd(52)} best ${row.bestUs.toFixed(2)} µs/event, median ${row.medianUs.toFixed(2)} ${note}`);
}

function stageRun(create: () => Stage, events: StreamEvent[]) {
  const emit = () => {};
  return () => {
    const stage = create();
    for (const event of events) stage.onEvent(event, emit);
    stage.onEnd?.(emit);
  };
}

const meta = { id: 'chatcmpl-bench', model: 'local/fake', created: 1_700_000_000 };

/** What the relay does per upstream read: decode, every stage, encode, then one TextEncoder.encode. */
function chainRun(chunks: Uint8Array[], stagesFor: (control: StageControl) => Stage[]) {
  const bytes = new TextEncoder();
  return () => {
    const control = new StageControl();
    const timed = timeStages(stagesFor(control));
    const observation = new Observation(false);
    const stages = [...timed.stages, createObserveStage(observation, { emitMetrics: false, receivedAt: Date.now() })];
    const encoder = createOpenAISseEncoder(meta, false);
    let out = '';
    const pipeline = composeStages(stages, (event) => {
      out += encoder.event(event);
    });
    const decoder = createOpenAIChunkDecoder();
    for (const chunk of chunks) {
      decoder.push(chunk, pipeline.push);
      out += encoder.flush?.() ?? '';
      if (out !== '') {
        bytes.encode(out);
        out = '';
      }
    }
    decoder.end(pipeline.push);
    pipeline.end();
    bytes.encode(out + encoder.end());
  };
}

const tokenEvents = textEvents(TOKENS);
const jsonEvents = textEvents(JSON_UNITS);
const tokenChunks = wireChunks(TOKENS);
const jsonChunks = wireChunks(JSON_UNITS);
const n = (events: StreamEvent[]) => events.length;

measure('decode: OpenAI chunk decoder (fake wire, 1 chunk/read)', tokenChunks.length, () => {
  const decoder = createOpenAIChunkDecoder();
  const emit = () => {};
  for (const chunk of tokenChunks) decoder.push(chunk, emit);
  decoder.end(emit);
});
measure('decode: TextDecoder + JSON.parse alone, same chunks', tokenChunks.length, () => {
  const text = new TextDecoder();
  // The last read holds several events (finish, usage, [DONE]); the one-event reads are what matter.
  for (let i = 0; i < tokenChunks.length - 1; i++) JSON.parse(text.decode(tokenChunks[i]).slice(6));
});
const guardFactory = createGuardStage(GUARD);
measure(
  'guard: 6 detectors + 20 phrases, tokN text',
  n(tokenEvents),
  stageRun(() => guardFactory(new StageControl()), tokenEvents),
  `(window ${guardFactory.window})`,
);
measure(
  'guard: same, JSON prose',
  n(jsonEvents),
  stageRun(() => guardFactory(new StageControl()), jsonEvents),
);
measure(
  'structured: json_schema, JSON prose',
  n(jsonEvents),
  stageRun(() => STRUCTURED(new StageControl()), jsonEvents),
);
measure(
  'observe',
  n(tokenEvents),
  stageRun(() => createObserveStage(new Observation(false), { emitMetrics: false, receivedAt: 0 }), tokenEvents),
);
measure('encode: OpenAI SSE encoder', n(tokenEvents), () => {
  const encoder = createOpenAISseEncoder(meta, false);
  for (const event of tokenEvents) encoder.event(event);
  encoder.end();
});
measure('encode: + TextEncoder.encode per event', n(tokenEvents), () => {
  const encoder = createOpenAISseEncoder(meta, false);
  const bytes = new TextEncoder();
  for (const event of tokenEvents) bytes.encode(encoder.event(event));
  bytes.encode(encoder.end());
});
measure(
  'chain, passthrough: decode + observe + encode',
  tokenChunks.length,
  chainRun(tokenChunks, () => []),
);
measure(
  'chain, full: decode + guard + observe + encode (tokN)',
  tokenChunks.length,
  chainRun(tokenChunks, (c) => [guardFactory(c)]),
);
measure(
  'chain, passthrough on the JSON reply',
  jsonChunks.length,
  chainRun(jsonChunks, () => []),
);
measure(
  'chain, full: + guard + structured (JSON reply)',
  jsonChunks.length,
  chainRun(jsonChunks, (c) => [guardFactory(c), STRUCTURED(c)]),
);

/** Per request, before the first byte: parse the body, build the pipeline and its stages. */
function requestSetup(name: string, config: unknown, extra: object) {
  const settings = settingsSchema.parse({ GATEWAY_CONFIG: config ? JSON.stringify(config) : undefined });
  const body = JSON.stringify({
    model: 'local/fake;tokens=20;gap=5',
    stream: true,
    messages: [{ role: 'user', content: 'Write a short note about the river.' }],
    ...extra,
  });
  measure(name, 1, () => {
    const request = chatRequestSchema.parse(JSON.parse(body));
    const pipeline = buildPipeline(request, pipelineFor(request.model, settings), {});
    pipeline.stages(new StageControl());
  });
}
requestSetup('per request: parse + build, passthrough (µs/request)', PIPELINES.passthrough, {});
requestSetup('per request: parse + build, guard (µs/request)', PIPELINES.full, {});
requestSetup('per request: parse + build, guard + structured (µs/request)', PIPELINES.full, STRUCTURED_REQUEST);

if (JSON_MODE) console.log(JSON.stringify(results));
