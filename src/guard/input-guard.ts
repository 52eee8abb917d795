import type { ChatMessage, ChatRequest } from '../schema/chat-request';
import { GuardScanner, type GuardSink } from './guard-scanner';
import type { GuardAction, GuardPolicy } from './policy';

export interface InputGuardResult {
  /** The request with every redaction applied; the same object when nothing changed. */
  request: ChatRequest;
  actions: Array<{ rule: string; action: GuardAction }>;
  /** Set when a `block` rule matched: the request must not reach a provider. */
  blocked?: { rule: string };
}

/**
 * Applies a policy to the text of every message (all roles: the caller writes them all) before
 * the request goes upstream. Each string or text part is one text, so a match is not looked
 * for across two parts. Tool-call arguments are left as they are.
 */
export function applyInputGuard(policy: GuardPolicy, request: ChatRequest): InputGuardResult {
  const scanner = new GuardScanner(policy);
  const actions: InputGuardResult['actions'] = [];
  let blocked: string | undefined;
  let out = '';
  const sink: GuardSink = {
    text(text) {
      out += text;
    },
    action(rule) {
      actions.push({ rule: rule.id, action: rule.action });
      if (rule.action === 'block') blocked = rule.id;
    },
  };
  const guard = (text: string): string => {
    out = '';
    scanner.push(text, sink);
    scanner.end(sink);
    return out;
  };

  let changed = false;
  const messages: ChatMessage[] = [];
  for (const message of request.messages) {
    const guarded = guardMessage(message, guard);
    if (blocked) return { request, actions, blocked: { rule: blocked } };
    changed ||= guarded !== message;
    messages.push(guarded);
  }
  return { request: changed ? { ...request, messages } : request, actions };
}

function guardMessage(message: ChatMessage, guard: (text: string) => string): ChatMessage {
  const { content } = message;
  if (content == null) return message;
  if (typeof content === 'string') {
    const text = guard(content);
    return text === content ? message : ({ ...message, content: text } as ChatMessage);
  }
  let changed = false;
  const parts = content.map((part) => {
    if (part.type !== 'text') return part;
    const text = guard(part.text);
    if (text === part.text) return part;
    changed = true;
    return { ...part, text };
  });
  return changed ? ({ ...message, content: parts } as ChatMessage) : message;
}
