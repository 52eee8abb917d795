import type { Continuation } from './provider';

/** The prefix as the provider is sent it: without trailing whitespace where its API refuses that. */
export function sentPrefix(capability: Continuation, delivered: string): string {
  return capability.trimsTrailingWhitespace ? delivered.trimEnd() : delivered;
}

/**
 * What the continuation will repeat before its new text, known from the provider's behaviour:
 * the whole prefix where it echoes it, then the whitespace that could not be sent. The gateway
 * drops exactly this (when it does come) and never guesses a repeat from look-alike text, since
 * a reply may legitimately repeat its own last words.
 */
export function expectedRepeat(capability: Continuation, delivered: string): string {
  const sent = sentPrefix(capability, delivered);
  return (capability.echoesPrefix ? sent : '') + delivered.slice(sent.length);
}

type Message = Record<string, unknown> & { role?: unknown; content?: unknown };

/** Appends `text` to a message's content, string or blocks of either dialect. */
function appendText(content: unknown, text: string): unknown {
  if (typeof content === 'string' || content == null) return `${content ?? ''}${text}`;
  if (Array.isArray(content)) return [...content, { type: 'text', text }];
  return content;
}

/**
 * The body's messages ending in an assistant message that holds `prefix` (merged into one the
 * client already ended with, its own prefill), marked with `extra` (`prefix: true`).
 */
export function withAssistantPrefix(messages: unknown, prefix: string, extra: Record<string, unknown> = {}): Message[] {
  const list = Array.isArray(messages) ? [...(messages as Message[])] : [];
  const last = list.at(-1);
  if (last?.role === 'assistant')
    list[list.length - 1] = { ...last, content: appendText(last.content, prefix), ...extra };
  else list.push({ role: 'assistant', content: prefix, ...extra });
  return list;
}
