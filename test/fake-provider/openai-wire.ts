// OpenAI Chat Completions wire format, spelled the way api.openai.com does:
// compact JSON per SSE `data:` line, key order id/object/created/model/…,
// `usage: null` on every chunk once include_usage is on, and an
// `obfuscation` padding field unless include_obfuscation is false.
import { TOOL_ARGS, TOOL_NAME } from './scenario.ts';
import { cachedOf, type Wire, type WireCtx } from './wire.ts';

const FINGERPRINT = 'fp_fake0001';

// Deterministic stand-in for OpenAI's random side-channel padding.
function obfuscation(seed: number): string {
  const abc = 'aZ3kQ9xLm2Pw7RtY';
  let out = '';
  for (let i = 0; i < 1 + ((seed * 7) % 12); i++) out += abc[(seed + i * 5) % abc.length];
  return out;
}

function usage(ctx: WireCtx, output: number): Record<string, unknown> {
  return {
    prompt_tokens: ctx.promptTokens,
    completion_tokens: output,
    total_tokens: ctx.promptTokens + output,
    prompt_tokens_details: { cached_tokens: cachedOf(ctx), audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: Math.min(ctx.reasoning ?? 0, output),
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    ...(ctx.costMicros != null && { cost: ctx.costMicros / 1e6 }),
  };
}

function chunk(ctx: WireCtx, seed: number, choices: unknown[], usageValue: unknown = null): string {
  const body: Record<string, unknown> = {
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model: ctx.model,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
    choices,
  };
  if (ctx.includeUsage) body.usage = usageValue;
  if (ctx.obfuscation) body.obfuscation = obfuscation(seed);
  return `data: ${JSON.stringify(body)}\n\n`;
}

function choice(delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> {
  return { index: 0, delta, logprobs: null, finish_reason: finish };
}

function reasonOf(ctx: WireCtx, reason: string | null): string {
  return reason ?? (ctx.tool ? 'tool_calls' : 'stop');
}

// Error `type`/`code`/`param` per status as OpenAI reports them.
function errorInfo(status: number): { type: string; code: string | null; message: string; param?: string } {
  if (status === 400)
    return {
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'messages',
      message:
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130217 tokens. Please reduce the length of the messages.",
    };
  if (status === 422)
    // Providers do echo what they were sent, keys included: the gateway must scrub it.
    return {
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'temperature',
      message: 'Invalid temperature for project sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56.',
    };
  if (status === 401)
    return { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' };
  if (status === 404)
    return {
      type: 'invalid_request_error',
      code: 'model_not_found',
      message: 'The model does not exist or you do not have access to it.',
    };
  if (status === 429)
    return {
      type: 'requests',
      code: 'rate_limit_exceeded',
      message: 'Rate limit reached for requests. Please try again later.',
    };
  if (status >= 500)
    return {
      type: 'server_error',
      code: null,
      message: 'The server had an error while processing your request. Sorry about that!',
    };
  return { type: 'invalid_request_error', code: null, message: `Request failed with status ${status}.` };
}

export const openaiWire: Wire = {
  errorBody(status, message) {
    const info = errorInfo(status);
    // OpenAI pretty-prints error bodies with 4-space indent and a trailing newline.
    const error = { message: message ?? info.message, type: info.type, param: info.param ?? null, code: info.code };
    return `${JSON.stringify({ error }, null, 4)}\n`;
  },

  preamble(ctx) {
    if (!ctx.tool) return chunk(ctx, 0, [choice({ role: 'assistant', content: '', refusal: null })]);
    // Tool calls open with id/name and empty arguments in the role chunk.
    const call = { index: 0, id: ctx.toolId, type: 'function', function: { name: TOOL_NAME, arguments: '' } };
    return chunk(ctx, 0, [choice({ role: 'assistant', content: null, tool_calls: [call], refusal: null })]);
  },

  unit(ctx, i, text) {
    if (!ctx.tool) return chunk(ctx, i + 1, [choice({ content: text })]);
    return chunk(ctx, i + 1, [choice({ tool_calls: [{ index: 0, function: { arguments: text } }] })]);
  },

  finish(ctx, reason, output, end = true) {
    let out = chunk(ctx, 9001, [choice({}, reasonOf(ctx, reason))]);
    if (ctx.includeUsage && ctx.usage) {
      const report = ctx.usagePartial ? { prompt_tokens: ctx.promptTokens } : usage(ctx, output);
      out += chunk(ctx, 9002, [], report);
      if (ctx.usageTwice) out += chunk(ctx, 9003, [], report);
    }
    return end ? `${out}data: [DONE]\n\n` : out;
  },

  malformed() {
    return 'data: {not json\n\n';
  },

  streamError() {
    const error = {
      message: 'The server is overloaded. Please try again later.',
      type: 'server_error',
      code: 'overloaded',
    };
    return `data: ${JSON.stringify({ error })}\n\n`;
  },

  complete(ctx, text, reason, output) {
    const message: Record<string, unknown> = ctx.tool
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: ctx.toolId, type: 'function', function: { name: TOOL_NAME, arguments: TOOL_ARGS } }],
          refusal: null,
          annotations: [],
        }
      : { role: 'assistant', content: text, refusal: null, annotations: [] };
    const body: Record<string, unknown> = {
      id: ctx.id,
      object: 'chat.completion',
      created: ctx.created,
      model: ctx.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: reasonOf(ctx, reason) }],
    };
    if (ctx.usage) body.usage = usage(ctx, output);
    body.service_tier = 'default';
    body.system_fingerprint = FINGERPRINT;
    // Non-streaming completions come back pretty-printed (2-space indent).
    return JSON.stringify(body, null, 2);
  },
};
