// Anthropic Messages wire format as api.anthropic.com spells it: every SSE
// event has an `event:` line naming its `type`, JSON is compact, except the
// ping which really is `{"type": "ping"}` with a space.
import { TOOL_ARGS, TOOL_NAME } from './scenario.ts';
import { cachedOf, type Wire, type WireCtx } from './wire.ts';

export const ANTHROPIC_REQUEST_ID = 'req_fakeprovider0001';

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

const PING = 'event: ping\ndata: {"type": "ping"}\n\n';

function startUsage(ctx: WireCtx): Record<string, unknown> {
  return {
    // Anthropic's input_tokens leaves out the tokens read from the cache.
    input_tokens: ctx.promptTokens - cachedOf(ctx),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cachedOf(ctx),
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: 1,
    service_tier: 'standard',
  };
}

function finalUsage(ctx: WireCtx, output: number): Record<string, unknown> {
  return {
    input_tokens: ctx.promptTokens - cachedOf(ctx),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cachedOf(ctx),
    output_tokens: output,
  };
}

/** Accepts OpenAI-style names in `finish=` so one scenario string works for both wires. */
export function stopReason(ctx: WireCtx, reason: string | null): string {
  if (reason === null) return ctx.tool ? 'tool_use' : 'end_turn';
  const map: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };
  return map[reason] ?? reason;
}

function errorType(status: number): string {
  const map: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    409: 'conflict_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    500: 'api_error',
    504: 'timeout_error',
    529: 'overloaded_error',
  };
  return map[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function errorMessage(type: string): string {
  if (type === 'overloaded_error') return 'Overloaded';
  if (type === 'rate_limit_error') return 'Number of requests has exceeded your rate limit.';
  if (type === 'api_error') return 'Internal server error';
  return `Request failed (${type}).`;
}

export const anthropicWire: Wire = {
  errorBody(status, message) {
    const type = errorType(status);
    return JSON.stringify({
      type: 'error',
      error: { type, message: message ?? errorMessage(type) },
      request_id: ANTHROPIC_REQUEST_ID,
    });
  },

  preamble(ctx) {
    // Streaming message_start really leads with `model`, unlike the non-streaming object.
    const message: Record<string, unknown> = {
      model: ctx.model,
      id: ctx.id,
      type: 'message',
      role: 'assistant',
      content: [],
      stop_reason: null,
      stop_sequence: null,
    };
    if (ctx.usage) message.usage = startUsage(ctx);
    let out = event('message_start', { message });
    if (!ctx.tool)
      return out + event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) + PING;
    out += event('content_block_start', {
      index: 0,
      content_block: { type: 'tool_use', id: ctx.toolId, name: TOOL_NAME, input: {} },
    });
    // The real API opens tool input with an empty partial_json before the ping.
    return (
      out + event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '' } }) + PING
    );
  },

  unit(ctx, _i, text) {
    const delta = ctx.tool ? { type: 'input_json_delta', partial_json: text } : { type: 'text_delta', text };
    return event('content_block_delta', { index: 0, delta });
  },

  finish(ctx, reason, output, end = true) {
    const delta: Record<string, unknown> = { delta: { stop_reason: stopReason(ctx, reason), stop_sequence: null } };
    if (ctx.usage) {
      const usage = finalUsage(ctx, output);
      if (ctx.usagePartial) delete usage.output_tokens;
      delta.usage = usage;
    }
    const messageDelta = event('message_delta', delta);
    return (
      event('content_block_stop', { index: 0 }) +
      messageDelta +
      (ctx.usageTwice ? messageDelta : '') +
      (end ? event('message_stop', {}) : '')
    );
  },

  malformed() {
    // Keep the event name so a parser that dispatches on `event:` still has to parse the JSON.
    return 'event: content_block_delta\ndata: {not json\n\n';
  },

  streamError() {
    return event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
  },

  complete(ctx, text, reason, output) {
    const content = ctx.tool
      ? [{ type: 'tool_use', id: ctx.toolId, name: TOOL_NAME, input: JSON.parse(TOOL_ARGS) as unknown }]
      : [{ type: 'text', text }];
    const body: Record<string, unknown> = {
      id: ctx.id,
      type: 'message',
      role: 'assistant',
      model: ctx.model,
      content,
      stop_reason: stopReason(ctx, reason),
      stop_sequence: null,
    };
    if (ctx.usage) body.usage = finalUsage(ctx, output);
    return JSON.stringify(body);
  },
};
