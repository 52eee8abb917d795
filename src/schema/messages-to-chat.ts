import type { ChatMessage, ChatRequest } from './chat-request';
import type { MessagesBlock, MessagesRequest } from './messages-request';
import { type ParamPolicy, refuseUnhandled } from './param-policy';
import { effortForBudget } from './reasoning-budget';

/**
 * The Messages request as an OpenAI-dialect ChatRequest, field by field (README, Compatibility).
 * A field with no equivalent goes to `policy`. `cache_control` is a documented no-op: OpenAI-
 * dialect providers cache prompt prefixes without being told. Earlier turns' `thinking` blocks
 * are one too: Anthropic itself does not feed them to the model.
 */
const HANDLED = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'stream',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'service_tier',
  'output_config',
  'context_management',
  'cache_control',
  'infe',
]);
const NO_OP_BLOCKS = new Set(['thinking', 'redacted_thinking']);

type UserPart = Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number];
type Block = Record<string, unknown> & { type: string };

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const record = (value: unknown) =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/** An image or PDF in OpenAI's part shapes, or undefined when the source has no OpenAI form. */
function mediaPart(block: Block): UserPart | undefined {
  const source = record(block.source);
  const data = str(source?.data);
  const mediaType = str(source?.media_type);
  if (block.type === 'image') {
    const url = source?.type === 'url' ? str(source.url) : data && `data:${mediaType};base64,${data}`;
    return url ? { type: 'image_url', image_url: { url } } : undefined;
  }
  if (block.type === 'document' && source?.type === 'base64' && data && mediaType === 'application/pdf') {
    const filename = str(block.title) ?? 'document.pdf';
    return { type: 'file', file: { filename, file_data: `data:${mediaType};base64,${data}` } };
  }
  if (block.type === 'document' && source?.type === 'text' && str(source.data) !== undefined)
    return { type: 'text', text: str(source.data) ?? '' };
  return undefined;
}

function toolResultText(block: Block, path: string, policy: ParamPolicy): string {
  const content = block.content;
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? (content as Block[]) : [];
  return parts
    .map((part, index) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      policy.unsupported(`${path}.content[${index}]`);
      return '';
    })
    .join('');
}

/** A mid-conversation system message: its text, in place (OpenAI takes system messages anywhere). */
function systemOf(content: string | MessagesBlock[], at: number, policy: ParamPolicy): string {
  if (typeof content === 'string') return content;
  return content
    .map((block, index) => {
      if (block.type === 'text' && typeof block.text === 'string') return block.text;
      policy.unsupported(`messages[${at}].content[${index}]`);
      return '';
    })
    .join('');
}

/** Tool results become `tool` messages, which OpenAI wants right after the call and Anthropic first in the turn. */
function userMessages(blocks: MessagesBlock[], at: number, out: ChatMessage[], policy: ParamPolicy): void {
  const parts: UserPart[] = [];
  blocks.forEach((raw, index) => {
    const block = raw as Block;
    const path = `messages[${at}].content[${index}]`;
    if (block.type === 'tool_result') {
      const text = toolResultText(block, path, policy);
      // OpenAI's tool message has no error flag; the model still has to learn the call failed.
      out.push({
        role: 'tool',
        tool_call_id: String(block.tool_use_id),
        content: block.is_error ? `Error: ${text}` : text,
      });
    } else if (block.type === 'text') {
      parts.push({ type: 'text', text: String(block.text) });
    } else {
      const part = mediaPart(block);
      if (part) parts.push(part);
      else if (!NO_OP_BLOCKS.has(block.type)) policy.unsupported(path);
    }
  });
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.type === 'text' && typeof only.text === 'string') out.push({ role: 'user', content: only.text });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
}

function assistantMessage(blocks: MessagesBlock[], at: number, policy: ParamPolicy): ChatMessage | undefined {
  let text = '';
  const calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  blocks.forEach((raw, index) => {
    const block = raw as Block;
    if (block.type === 'text') text += String(block.text);
    else if (block.type === 'tool_use') {
      const call = { name: String(block.name), arguments: JSON.stringify(block.input) };
      calls.push({ id: String(block.id), type: 'function', function: call });
    } else if (!NO_OP_BLOCKS.has(block.type)) policy.unsupported(`messages[${at}].content[${index}]`);
  });
  if (calls.length === 0) return text ? { role: 'assistant', content: text } : undefined;
  return { role: 'assistant', content: text || null, tool_calls: calls };
}

function toolChoiceOf(choice: MessagesRequest['tool_choice']): Partial<ChatRequest> {
  if (!choice) return {};
  if (choice.type === 'none') return { tool_choice: 'none' };
  const parallel = choice.disable_parallel_tool_use ? { parallel_tool_calls: false } : {};
  if (choice.type === 'auto') return { tool_choice: 'auto', ...parallel };
  if (choice.type === 'any') return { tool_choice: 'required', ...parallel };
  return { tool_choice: { type: 'function', function: { name: choice.name ?? '' } }, ...parallel };
}

function toolsOf(request: MessagesRequest, policy: ParamPolicy): ChatRequest['tools'] {
  const tools: NonNullable<ChatRequest['tools']> = [];
  request.tools?.forEach((tool, index) => {
    // A server tool runs at Anthropic; an OpenAI-dialect provider has nothing to run it with.
    if ((tool.type != null && tool.type !== 'custom') || !tool.input_schema) {
      policy.unsupported(`tools[${index}]`);
      return;
    }
    tools.push({
      type: 'function',
      function: { name: tool.name, description: tool.description ?? undefined, parameters: tool.input_schema },
    });
  });
  return tools.length > 0 ? tools : undefined;
}

/**
 * `output_config.effort` is OpenAI's `reasoning_effort` under another name; it wins over a
 * budget. Other `output_config` fields have no OpenAI counterpart here.
 */
function effortOf(request: MessagesRequest, policy: ParamPolicy): Partial<ChatRequest> {
  const config = request.output_config;
  if (!config) return reasoningOf(request, policy);
  refuseUnhandled(config, new Set(['effort']), policy, 'output_config.');
  return config.effort ? { reasoning_effort: config.effort } : reasoningOf(request, policy);
}

/**
 * Context editing that clears earlier thinking is what this translation does anyway (thinking
 * blocks are not sent); any other edit would change what the model reads.
 */
function checkContextManagement(request: MessagesRequest, policy: ParamPolicy): void {
  const edits = (request.context_management as { edits?: unknown } | null | undefined)?.edits;
  if (request.context_management == null) return;
  const clearsThinkingOnly =
    Array.isArray(edits) &&
    edits.every((edit) => String((edit as { type?: unknown }).type).startsWith('clear_thinking_'));
  if (!clearsThinkingOnly) policy.unsupported('context_management');
}

function reasoningOf(request: MessagesRequest, policy: ParamPolicy): Partial<ChatRequest> {
  const thinking = request.thinking;
  if (!thinking || thinking.type === 'disabled') return {};
  if (thinking.type === 'enabled' && thinking.budget_tokens)
    return { reasoning_effort: effortForBudget(thinking.budget_tokens) };
  // 'adaptive' leaves the effort to the model, as an OpenAI request without the field does.
  if (thinking.type === 'adaptive') return {};
  policy.unsupported('thinking');
  return {};
}

const SERVICE_TIERS: Readonly<Record<string, string>> = { auto: 'auto', standard_only: 'default' };

/** The Messages request as the internal (OpenAI-shaped) ChatRequest every OpenAI-dialect provider takes. */
export function toChatRequest(request: MessagesRequest, policy: ParamPolicy): ChatRequest {
  refuseUnhandled(request, HANDLED, policy);
  const { metadata, service_tier } = request;
  if (metadata) refuseUnhandled(metadata, new Set(['user_id']), policy, 'metadata.');
  const tier = service_tier == null ? undefined : SERVICE_TIERS[service_tier];
  if (service_tier != null && !tier) policy.unsupported('service_tier');
  const messages: ChatMessage[] = [];
  const system =
    typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => b.text).join('');
  if (system) messages.push({ role: 'system', content: system });
  checkContextManagement(request, policy);
  request.messages.forEach((m, at) => {
    if (m.role === 'system') messages.push({ role: 'system', content: systemOf(m.content, at, policy) });
    else if (m.role !== 'user' && m.role !== 'assistant') policy.unsupported(`messages[${at}].role`);
    else if (typeof m.content === 'string') messages.push({ role: m.role, content: m.content });
    else if (m.role === 'user') userMessages(m.content, at, messages, policy);
    else {
      const reply = assistantMessage(m.content, at, policy);
      if (reply) messages.push(reply);
    }
  });
  const chat: ChatRequest = {
    model: request.model,
    messages,
    max_tokens: request.max_tokens,
    stream: request.stream,
    temperature: request.temperature,
    top_p: request.top_p,
    top_k: request.top_k,
    stop: request.stop_sequences,
    tools: toolsOf(request, policy),
    ...toolChoiceOf(request.tool_choice),
    ...effortOf(request, policy),
    user: metadata?.user_id ?? undefined,
    service_tier: tier,
    infe: request.infe,
  };
  // Absent, not undefined: the OpenAI-dialect body is this object, serialised.
  for (const key of Object.keys(chat)) if (chat[key] === undefined) delete chat[key];
  return chat;
}
