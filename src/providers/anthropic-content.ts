import { invalidRequest } from '../errors/gateway-error';
import { type ChatMessage, textOf } from '../schema/chat-request';
import { type ParamPolicy, refuseUnhandled } from '../schema/param-policy';

/** OpenAI messages as Anthropic content blocks, with the per-provider policy for what has no block. */
export type ContentBlock = Record<string, unknown>;
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

type Part = Record<string, unknown> & { type: string };

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

function imageBlock(url: string): ContentBlock {
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (inline) return { type: 'image', source: { type: 'base64', media_type: inline[1], data: inline[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

/** OpenAI's `file` part with inline data is Anthropic's `document` block; a file id has no equivalent. */
function documentBlock(part: Part): ContentBlock | undefined {
  const file = part.file as Record<string, unknown> | undefined;
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(str(file?.file_data) ?? '');
  if (!inline) return undefined;
  const title = str(file?.filename);
  return {
    type: 'document',
    source: { type: 'base64', media_type: inline[1], data: inline[2] },
    ...(title && { title }),
  };
}

/** The part's block; `cache_control` on a part (OpenRouter's convention) rides along as Anthropic reads it. */
function partBlock(part: Part, path: string, policy: ParamPolicy): ContentBlock | undefined {
  let block: ContentBlock | undefined;
  if (part.type === 'text') block = { type: 'text', text: part.text };
  else if (part.type === 'image_url') block = imageBlock(str((part.image_url as Part).url) ?? '');
  else if (part.type === 'file') block = documentBlock(part);
  if (!block) {
    policy.unsupported(path);
    return undefined;
  }
  if (part.cache_control != null) block.cache_control = part.cache_control;
  return block;
}

function contentBlocks(content: unknown, path: string, policy: ParamPolicy): ContentBlock[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  return (content as Part[]).flatMap((part, index): ContentBlock[] => {
    const block = partBlock(part, `${path}[${index}]`, policy);
    return block ? [block] : [];
  });
}

function parseToolInput(args: string, index: number): unknown {
  try {
    return args.trim() === '' ? {} : JSON.parse(args);
  } catch {
    throw invalidRequest(
      'Tool call arguments must be JSON for this provider.',
      `messages[${index}].tool_calls`,
      'invalid_tool_arguments',
    );
  }
}

/**
 * Message fields each role's translation reads. An assistant's `reasoning_content` is a
 * documented no-op: Anthropic does not feed earlier turns' thinking to the model either.
 */
const HANDLED: Readonly<Record<ChatMessage['role'], ReadonlySet<string>>> = {
  system: new Set(['role', 'content']),
  developer: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'refusal', 'reasoning_content', 'reasoning']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};

export function blocksOf(message: ChatMessage, index: number, policy: ParamPolicy): ContentBlock[] {
  const path = `messages[${index}]`;
  refuseUnhandled(message, HANDLED[message.role], policy, `${path}.`);
  switch (message.role) {
    case 'user':
      return contentBlocks(message.content, `${path}.content`, policy);
    case 'assistant': {
      const blocks = contentBlocks(message.content ?? message.refusal ?? '', `${path}.content`, policy);
      for (const call of message.tool_calls ?? []) {
        blocks.push({
          type: 'tool_use',
          id: call.id,
          name: call.function.name,
          input: parseToolInput(call.function.arguments, index),
        });
      }
      return blocks;
    }
    case 'tool':
      return [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }];
    default:
      return [];
  }
}

export const isSystem = (message: ChatMessage) => message.role === 'system' || message.role === 'developer';

/** System and developer messages as Anthropic's `system` text, checked like any other message. */
export function systemText(messages: readonly ChatMessage[], policy: ParamPolicy): string {
  const texts: string[] = [];
  messages.forEach((message, index) => {
    if (!isSystem(message)) return;
    refuseUnhandled(message, HANDLED[message.role], policy, `messages[${index}].`);
    texts.push(textOf(message.content));
  });
  return texts.join('\n\n');
}
