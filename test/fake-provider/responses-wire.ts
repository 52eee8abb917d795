// OpenAI Responses API wire format (POST /v1/responses, stream: true), spelled as api.openai.com
// does: `event: <type>` then a compact `data:` line per event, every event numbered by
// `sequence_number` from 0, an `obfuscation` pad on deltas, and one terminal event
// (`response.completed`, or `response.incomplete` for a length or filter stop).
import { openaiWire } from './openai-wire.ts';
import { TOOL_ARGS, TOOL_NAME } from './scenario.ts';
import { cachedOf, type Wire, type WireCtx } from './wire.ts';

type Json = Record<string, unknown>;

/** Per response: the next sequence number and what was streamed (the done events repeat it). */
const state = new WeakMap<WireCtx, { seq: number; text: string }>();
const stateOf = (ctx: WireCtx) => {
  let s = state.get(ctx);
  if (!s) {
    s = { seq: 0, text: '' };
    state.set(ctx, s);
  }
  return s;
};

function event(ctx: WireCtx, type: string, fields: Json): string {
  const data = { type, ...fields, sequence_number: stateOf(ctx).seq++ };
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

const itemId = (ctx: WireCtx) => `${ctx.tool ? 'fc' : 'msg'}_${ctx.id.slice(5)}`;

function response(ctx: WireCtx, status: string, output: Json[], extra: Json = {}): Json {
  return {
    id: ctx.id,
    object: 'response',
    created_at: ctx.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: ctx.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: {},
    ...extra,
  };
}

function item(ctx: WireCtx, status: string, text: string): Json {
  if (ctx.tool) {
    return { id: itemId(ctx), type: 'function_call', status, arguments: text, call_id: ctx.toolId, name: TOOL_NAME };
  }
  const content = status === 'in_progress' ? [] : [{ type: 'output_text', annotations: [], logprobs: [], text }];
  return { id: itemId(ctx), type: 'message', status, content, role: 'assistant' };
}

function usage(ctx: WireCtx, output: number): Json {
  if (ctx.usagePartial) return { input_tokens: ctx.promptTokens };
  return {
    input_tokens: ctx.promptTokens,
    input_tokens_details: { cached_tokens: cachedOf(ctx) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: Math.min(ctx.reasoning ?? 0, output) },
    total_tokens: ctx.promptTokens + output,
  };
}

/** The end of a response: `completed`, or `incomplete` with OpenAI's reason for a length or filter stop. */
function ending(reason: string | null): { status: string; details: Json | null } {
  if (reason === 'length') return { status: 'incomplete', details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter') return { status: 'incomplete', details: { reason: 'content_filter' } };
  return { status: 'completed', details: null };
}

const at = (ctx: WireCtx) => ({ item_id: itemId(ctx), output_index: 0 });
const part = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text });

export const responsesWire: Wire = {
  errorBody: openaiWire.errorBody,

  preamble(ctx) {
    const shell = response(ctx, 'in_progress', []);
    let out = event(ctx, 'response.created', { response: shell });
    out += event(ctx, 'response.in_progress', { response: shell });
    out += event(ctx, 'response.output_item.added', { output_index: 0, item: item(ctx, 'in_progress', '') });
    if (!ctx.tool) out += event(ctx, 'response.content_part.added', { ...at(ctx), content_index: 0, part: part('') });
    return out;
  },

  unit(ctx, i, text) {
    stateOf(ctx).text += text;
    const pad = ctx.obfuscation ? { obfuscation: 'aZ3kQ9xLm2Pw7RtY'.slice(0, 1 + (i % 12)) } : {};
    if (ctx.tool) return event(ctx, 'response.function_call_arguments.delta', { ...at(ctx), delta: text, ...pad });
    return event(ctx, 'response.output_text.delta', {
      ...at(ctx),
      content_index: 0,
      delta: text,
      logprobs: [],
      ...pad,
    });
  },

  finish(ctx, reason, output) {
    const { text } = stateOf(ctx);
    const end = ending(reason);
    const itemStatus = end.status === 'completed' ? 'completed' : 'incomplete';
    let out = '';
    if (ctx.tool) {
      out += event(ctx, 'response.function_call_arguments.done', { ...at(ctx), name: TOOL_NAME, arguments: text });
    } else {
      out += event(ctx, 'response.output_text.done', { ...at(ctx), content_index: 0, text, logprobs: [] });
      out += event(ctx, 'response.content_part.done', { ...at(ctx), content_index: 0, part: part(text) });
    }
    const done = item(ctx, itemStatus, text);
    out += event(ctx, 'response.output_item.done', { output_index: 0, item: done });
    const final = response(ctx, end.status, [done], {
      incomplete_details: end.details,
      usage: ctx.usage ? usage(ctx, output) : null,
      ...(end.status === 'completed' && { completed_at: ctx.created }),
    });
    return out + event(ctx, `response.${end.status}`, { response: final });
  },

  malformed() {
    return 'event: response.output_text.delta\ndata: {not json\n\n';
  },

  streamError(ctx) {
    const message = 'The server is overloaded. Please try again later.';
    return event(ctx, 'error', { code: 'overloaded', message, param: null });
  },

  complete(ctx, text, reason, output) {
    const end = ending(reason);
    const done = item(ctx, end.status === 'completed' ? 'completed' : 'incomplete', ctx.tool ? TOOL_ARGS : text);
    const body = response(ctx, end.status, [done], {
      incomplete_details: end.details,
      usage: ctx.usage ? usage(ctx, output) : null,
    });
    return JSON.stringify(body, null, 2);
  },
};
