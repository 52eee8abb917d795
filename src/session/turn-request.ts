import type { PipelineConfig } from '../config/pipeline-config';
import { guardPolicySchema } from '../guard/policy';
import type { ChatRequest } from '../schema/chat-request';
import { fitContext } from './context-budget';
import type { ContextStart } from './context-start';
import type { History } from './history';
import type { SessionSettings } from './session-settings';

/** The session's part of a turn's preparation; the spine's `prepare` does the rest. */
export interface TurnRequest {
  request: ChatRequest;
  /** The session's own guard policy, added to the gateway's (see withSessionGuard). */
  guard: PipelineConfig['guard'];
  /** The context's estimate (system prompt and kept messages). */
  estimatedTokens: number;
  /** The id of the context's first message, once the new message has one. */
  firstKeptId(newMessageId: number): number;
}

/**
 * What a turn with this user message would send: the context that fits the budget (from the
 * same start as the last turn while it fits), the system prompt first. Reads the history and
 * the stored start; stores nothing, so a message refused later leaves no trace.
 */
export function turnRequest(
  content: string,
  settings: SessionSettings,
  history: History,
  contextStart: ContextStart,
): TurnRequest {
  const earlier = history.list().filter((m) => m.content !== '');
  const firstKept = contextStart.get();
  const kept = firstKept === undefined ? 0 : earlier.findIndex((m) => m.id >= firstKept);
  const context = fitContext({
    system: settings.system,
    messages: [...earlier.map((m) => ({ role: m.role, content: m.content })), { role: 'user' as const, content }],
    budgetTokens: settings.context_budget,
    previousStart: kept === -1 ? earlier.length : kept,
    trimTo: settings.context_trim_to,
  });
  const request: ChatRequest = {
    model: settings.model,
    stream: true,
    messages: [
      ...(settings.system ? [{ role: 'system' as const, content: settings.system }] : []),
      ...context.messages,
    ],
    ...(settings.max_tokens && { max_tokens: settings.max_tokens }),
    ...(settings.temperature !== undefined && { temperature: settings.temperature }),
    // The history before the new message is the next turn's prefix too: worth caching.
    infe: { cache_prefix: true },
  };
  return {
    request,
    guard: settings.guard === undefined ? undefined : guardPolicySchema.parse(settings.guard),
    estimatedTokens: context.estimatedTokens,
    firstKeptId: (newMessageId) => earlier[context.start]?.id ?? newMessageId,
  };
}
