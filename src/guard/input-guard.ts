import type { ChatMessage, ChatRequest } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import type { MessagesRequest } from '../schema/messages-request';
import { toChatRequest } from '../schema/messages-to-chat';
import { ParamPolicy } from '../schema/param-policy';
import { GuardScanner, type GuardSink } from './guard-scanner';
import type { GuardAction, GuardPolicy } from './policy';

export interface InputGuardResult {
  /** The request with every redaction applied; the same object when nothing changed. */
  request: ChatRequest;
  actions: Array<{ rule: string; action: GuardAction }>;
  /** Set when a `block` rule matched: the request must not reach a provider. */
  blocked?: { rule: string };
}

type Guard = (text: string) => string;

/**
 * Applies a policy to the text of every message (all roles: the caller writes them all) before
 * the request goes upstream. Each string or text part is one text, so a match is not looked
 * for across two parts. Tool-call arguments are left as they are. A `/v1/messages` request is
 * guarded in the body the client sent (it may go upstream as is), and the internal request is
 * derived again from the redacted body, so both carry the same redactions.
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
  const guard: Guard = (text) => {
    out = '';
    scanner.push(text, sink);
    scanner.end(sink);
    return out;
  };

  const origin = request[ORIGIN];
  if (origin?.anthropic) {
    const native = guardNative(origin.anthropic, guard);
    if (blocked) return { request, actions, blocked: { rule: blocked } };
    if (native === origin.anthropic) return { request, actions };
    // Lenient here: the provider's own translation applies its policy when it runs.
    const internal = toChatRequest(native as MessagesRequest, new ParamPolicy('gateway', true));
    return { request: { ...internal, [ORIGIN]: { ...origin, anthropic: native } }, actions };
  }

  let changed = false;
  const messages: ChatMessage[] = [];
  for (const message of request.messages) {
    const guarded = guardMessage(message, guard);
    if (blocked) return { request, actions, blocked: { rule: blocked } };
    changed ||= guarded !== message;
    messages.push(guarded);
  }
  if (!changed) return { request, actions };
  // A Responses body as sent would carry what was redacted: such a request goes translated.
  const translated = origin?.responses ? { [ORIGIN]: { ...origin, responses: undefined } } : {};
  return { request: { ...request, messages, ...translated }, actions };
}

type Parts = ReadonlyArray<Record<string, unknown> & { type?: unknown }>;

/** Text parts (and, for `tool_result` blocks, their own content) with the guard applied; unchanged parts kept. */
function guardParts(parts: Parts, guard: Guard): Parts {
  let changed = false;
  const guarded = parts.map((part) => {
    let next = part;
    if (part.type === 'text' && typeof part.text === 'string') {
      const text = guard(part.text);
      if (text !== part.text) next = { ...part, text };
    } else if (part.type === 'tool_result' && part.content != null) {
      const content = guardContent(part.content, guard);
      if (content !== part.content) next = { ...part, content };
    }
    changed ||= next !== part;
    return next;
  });
  return changed ? guarded : parts;
}

function guardContent(content: unknown, guard: Guard): unknown {
  if (typeof content === 'string') return guard(content);
  return Array.isArray(content) ? guardParts(content as Parts, guard) : content;
}

function guardMessage(message: ChatMessage, guard: Guard): ChatMessage {
  const content = message.content == null ? message.content : guardContent(message.content, guard);
  return content === message.content ? message : ({ ...message, content } as ChatMessage);
}

function guardNative(body: Record<string, unknown>, guard: Guard): Record<string, unknown> {
  const system = body.system == null ? body.system : guardContent(body.system, guard);
  let changed = system !== body.system;
  const messages = (body.messages as Array<Record<string, unknown>>).map((message) => {
    const content = guardContent(message.content, guard);
    if (content === message.content) return message;
    changed = true;
    return { ...message, content };
  });
  return changed ? { ...body, system, messages } : body;
}
