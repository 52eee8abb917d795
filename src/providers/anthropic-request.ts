import { type ChatMessage, type ChatRequest, maxOutputTokens } from '../schema/chat-request';
import { ParamPolicy, refuseUnhandled, TRANSLATED_FIELDS } from '../schema/param-policy';
import { BUDGET_BY_EFFORT, MIN_THINKING_BUDGET } from '../schema/reasoning-budget';
import { type AnthropicMessage, blocksOf, isSystem, systemText } from './anthropic-content';

/** Anthropic requires max_tokens; this is used when the client sets no cap. */
export const DEFAULT_MAX_TOKENS = 4096;

const EPHEMERAL = { type: 'ephemeral' } as const;

/**
 * Anthropic wants strictly alternating turns, with tool results sent as user content. With
 * `cachePrefix`, the last block before the final message carries a cache breakpoint: it stays in
 * place when the final message merges into the same turn, so the next request's prefix (this one
 * plus the reply) reads what this one wrote.
 */
function toMessages(messages: readonly ChatMessage[], cachePrefix: boolean, policy: ParamPolicy): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  const final = messages.findLastIndex((message) => !isSystem(message));
  messages.forEach((message, index) => {
    if (isSystem(message)) return;
    const breakpoint = cachePrefix && index === final ? out.at(-1)?.content.at(-1) : undefined;
    if (breakpoint) breakpoint.cache_control = EPHEMERAL;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(message, index, policy);
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  });
  return out;
}

function toolChoice(choice: ChatRequest['tool_choice'], parallel: boolean | null | undefined) {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice == null) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  return { type: 'tool', name: choice.function.name, ...disable };
}

/**
 * Top-level fields with an Anthropic equivalent (or none needed). `stream_options` is a no-op:
 * Anthropic always reports usage and pads nothing. `prompt_cache_key` is one too: a cache
 * routing hint, and Anthropic caches where `cache_control` marks. `response_format: text` and
 * neutral values (`n: 1`, `logprobs: false`) ask for nothing.
 */
const HANDLED = new Set([
  ...TRANSLATED_FIELDS,
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'user',
  'safety_identifier',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'service_tier',
  'prompt_cache_key',
]);

const SERVICE_TIERS: Readonly<Record<string, string>> = { auto: 'auto', default: 'standard_only' };

/** `reasoning_effort` as a thinking budget that fits under the output cap (Anthropic counts it there). */
function thinkingOf(request: ChatRequest, maxTokens: number, policy: ParamPolicy): Record<string, unknown> {
  const effort = request.reasoning_effort;
  if (effort == null || effort === 'none') return {};
  const budget = Math.min(BUDGET_BY_EFFORT[effort] ?? 0, maxTokens - 1);
  if (budget < MIN_THINKING_BUDGET) {
    policy.unsupported('reasoning_effort');
    return {};
  }
  return { thinking: { type: 'enabled', budget_tokens: budget } };
}

/**
 * Maps an OpenAI-shaped request to the Messages API, field by field (README, Compatibility). A
 * field with no Anthropic counterpart goes to `policy`: a 400 naming it, or a listed drop.
 */
export function anthropicBody(
  request: ChatRequest,
  model: string,
  policy = new ParamPolicy('anthropic', request.infe?.drop_unsupported_params === true),
): Record<string, unknown> {
  refuseUnhandled(request, HANDLED, policy);
  if (request.response_format != null && request.response_format.type !== 'text') policy.unsupported('response_format');
  const system = systemText(request.messages, policy);
  const cachePrefix = request.infe?.cache_prefix === true;
  const maxTokens = maxOutputTokens(request) ?? DEFAULT_MAX_TOKENS;
  const body: Record<string, unknown> = {
    model,
    stream: true,
    max_tokens: maxTokens,
    messages: toMessages(request.messages, cachePrefix, policy),
    ...thinkingOf(request, maxTokens, policy),
  };
  // A breakpoint of its own on the system prompt: it still matches after a trim moves the
  // messages' start. Two breakpoints, within Anthropic's four.
  if (system) body.system = cachePrefix ? [{ type: 'text', text: system, cache_control: EPHEMERAL }] : system;
  if (request.temperature != null) body.temperature = request.temperature;
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.top_k != null) body.top_k = request.top_k;
  if (request.stop != null) body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  const userId = request.user ?? request.safety_identifier;
  if (typeof userId === 'string' && userId) body.metadata = { user_id: userId };
  const tier = request.service_tier;
  if (tier != null) {
    if (typeof tier === 'string' && SERVICE_TIERS[tier]) body.service_tier = SERVICE_TIERS[tier];
    else policy.unsupported('service_tier');
  }
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      name: t.function.name,
      description: t.function.description ?? undefined,
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const choice = toolChoice(request.tool_choice, request.parallel_tool_calls);
  if (choice && request.tools?.length) body.tool_choice = choice;
  return body;
}
