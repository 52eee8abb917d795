import { CHARS_PER_TOKEN } from '../config/chars-per-token';
import { type EnvVars, envString } from '../config/env';
import { GatewayError } from '../errors/gateway-error';
import { type ChatRequest, maxOutputTokens, textOf } from '../schema/chat-request';
import { ParamPolicy } from '../schema/param-policy';
import { createOpenAIChunkDecoder } from './openai-chunk-decoder';
import type { ProviderDefinition, ProviderEnv } from './provider';

/**
 * The embedded default provider: needs no key and no network, so `npm start` streams at once.
 * It reads only the messages (for the prompt count), the output cap and a JSON response_format;
 * every other field, of either dialect, is accepted and ignored, as a model that cannot honour
 * it would (README, Compatibility).
 * It produces real OpenAI wire bytes at a realistic pace and goes through the same decoder as
 * any provider, so the default path exercises the real relay.
 */
const PASSAGE =
  'Infe relays every token the moment the provider produces it. Filtering, structured parsing, ' +
  'formatting and logging all happen while the stream flows, in a single pass, so the first ' +
  'token reaches you without waiting for any stage. This reply comes from the built-in simulator, ' +
  'which needs no keys: configure a real provider to talk to a model.';

interface Pace {
  ttftMs: number;
  gapMs: number;
}

/** `default` paces like a hosted model; `fast` has no delays, for load tests of the gateway itself. */
function paceFor(model: string, env: ProviderEnv): Pace {
  if (model === 'fast') return { ttftMs: 0, gapMs: 0 };
  const ttftMs = Number(envString(env, 'SIM_TTFT_MS') ?? 200);
  const tokensPerSecond = Number(envString(env, 'SIM_TOKENS_PER_SECOND') ?? 40);
  return { ttftMs: Math.max(0, ttftMs), gapMs: tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0 };
}

const MAX_SIM_TOKENS = 100_000;

/** What the simulator answers when JSON is asked for, so structured output works without keys. */
const JSON_REPLY = JSON.stringify(
  {
    gateway: 'Infe',
    model: 'sim/default',
    streaming: true,
    stages: ['guard', 'structured', 'observe'],
    note: 'A simulated reply: configure a real provider for real answers.',
  },
  null,
  1,
);

/**
 * Deterministic: the passage once, or exactly `max_tokens` words of it, cycled, when a cap is set;
 * under a JSON response_format, a small JSON document in 4-character tokens.
 */
export function simTokens(request: ChatRequest): string[] {
  const format = request.response_format?.type;
  if (format === 'json_object' || format === 'json_schema') {
    return Array.from({ length: Math.ceil(JSON_REPLY.length / 4) }, (_, i) => JSON_REPLY.slice(i * 4, i * 4 + 4));
  }
  const words = PASSAGE.split(' ');
  const count = Math.min(maxOutputTokens(request) ?? words.length, MAX_SIM_TOKENS);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push((i === 0 ? '' : ' ') + words[i % words.length]);
  return tokens;
}

const encoder = new TextEncoder();

function chunk(id: string, delta: object | null, finish: string | null, usage?: object): Uint8Array {
  const choices = delta ? [{ index: 0, delta, finish_reason: finish }] : [];
  const body = { id, object: 'chat.completion.chunk', created: 0, model: 'sim', choices, ...(usage && { usage }) };
  return encoder.encode(`data: ${JSON.stringify(body)}\n\n`);
}

function delay(ms: number, signal: AbortSignal, onTimer: (t: ReturnType<typeof setTimeout>) => void): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    onTimer(
      setTimeout(() => {
        signal.removeEventListener('abort', abort);
        resolve();
      }, ms),
    );
    signal.addEventListener('abort', abort, { once: true });
  });
}

/**
 * The reply's tokens after its first `chars` characters: a continuation picks up where a prefix of
 * that length ended, mid-token if need be, whichever provider wrote the prefix.
 */
export function tokensAfter(tokens: readonly string[], chars: number): string[] {
  let seen = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (seen + token.length > chars) return [token.slice(chars - seen), ...tokens.slice(i + 1)];
    seen += token.length;
  }
  return [];
}

function simStream(request: ChatRequest, pace: Pace, signal: AbortSignal, skip: number): ReadableStream<Uint8Array> {
  const reply = simTokens(request);
  const tokens = tokensAfter(reply, skip);
  const cap = maxOutputTokens(request);
  const lastUser = request.messages.findLast((m) => m.role === 'user');
  const promptTokens = Math.ceil(textOf(lastUser?.content as Parameters<typeof textOf>[0]).length / CHARS_PER_TOKEN);
  const id = `sim-${crypto.randomUUID()}`;
  let step = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const track = (t: ReturnType<typeof setTimeout>) => {
    timer = t;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (step < tokens.length) {
          await delay(step === 0 ? pace.ttftMs : pace.gapMs, signal, track);
          if (step === 0) controller.enqueue(chunk(id, { role: 'assistant', content: '' }, null));
          controller.enqueue(chunk(id, { content: tokens[step] }, null));
        } else {
          const usage = {
            prompt_tokens: promptTokens,
            completion_tokens: tokens.length,
            total_tokens: promptTokens + tokens.length,
          };
          const capped = cap !== undefined && reply.length >= cap && !request.response_format?.type.startsWith('json');
          controller.enqueue(chunk(id, {}, capped ? 'length' : 'stop'));
          controller.enqueue(chunk(id, null, null, usage));
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
        }
        step++;
      },
      cancel() {
        clearTimeout(timer);
      },
    },
    { highWaterMark: 0 },
  );
}

const SIM_MODELS = ['default', 'fast'];

/** A typo in a model name must not pass unnoticed behind the default reply. */
function refuseModel(model: string): GatewayError | undefined {
  if (SIM_MODELS.includes(model)) return undefined;
  const offered = SIM_MODELS.map((m) => `sim/${m}`).join(', ');
  return new GatewayError(
    404,
    'not_found_error',
    `Unknown model 'sim/${model.slice(0, 100)}': the simulator offers ${offered}.`,
    {
      code: 'model_not_found',
      param: 'model',
    },
  );
}

/**
 * The simulator answers anyone for free, so a deployment has it only when it asks for it
 * (`SIM_ENABLED=true`); a local one (INSECURE_LOCAL_MODE) has it unless `SIM_DISABLED=true`.
 */
export function simEnabled(env: EnvVars): boolean {
  if (envString(env, 'SIM_ENABLED') === 'true') return true;
  return envString(env, 'INSECURE_LOCAL_MODE') === 'true' && envString(env, 'SIM_DISABLED') !== 'true';
}

export const sim: ProviderDefinition = {
  id: 'sim',
  requiredVariable: 'SIM_ENABLED=true',
  create(env) {
    if (!simEnabled(env)) return undefined;
    return {
      id: 'sim',
      models: SIM_MODELS,
      refuseModel,
      // Deterministic, so a splice onto it (or from it) is exact: the playground can show one.
      continuation: { via: 'simulator' },
      async open(request, model, signal, continueFrom) {
        const refusal = refuseModel(model);
        if (refusal) throw refusal;
        // It writes one reply: several asked for would be a silent drop, so the policy decides.
        const policy = new ParamPolicy('sim', request.infe?.drop_unsupported_params === true);
        if ((request.n ?? 1) > 1) policy.unsupported('n');
        const body = simStream(request, paceFor(model, env), signal, continueFrom?.length ?? 0);
        return { body, decoder: createOpenAIChunkDecoder(), dropped: policy.dropped };
      },
    };
  },
};
