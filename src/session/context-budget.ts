import { CHARS_PER_TOKEN } from '../config/chars-per-token';
export interface ContextMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface FitContextInput<M extends ContextMessage> {
  system?: string;
  /** Oldest first; the last one is the message being answered. */
  messages: readonly M[];
  budgetTokens: number;
  /** Where the previous turn's context started (its `start`); 0 for a new conversation. */
  previousStart?: number;
  /** A trim cuts the context down to this share of the budget (see fitContext). */
  trimTo?: number;
  estimateTokens?: (text: string) => number;
}

export interface FitContextResult<M extends ContextMessage> {
  messages: M[];
  /** Index of the first kept message: the next turn's `previousStart`. */
  start: number;
  /** True when this call moved the start (the provider's cached prefix no longer matches). */
  trimmed: boolean;
  /** The system prompt and the kept messages; above the budget when the newest turn alone is. */
  estimatedTokens: number;
}

/**
 * Half the budget: after a trim the next turns have the other half to grow into, so a chat whose
 * turns are each well under half the budget trims again only after several of them.
 */
export const DEFAULT_TRIM_TO = 0.5;

/** Role markers and separators each message costs on top of its text, as chat templates add them. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * The history that fits the budget, starting where the previous turn's did for as long as it
 * fits. Providers cache the longest prompt prefix they have seen (Anthropic at `cache_control`
 * marks, OpenAI-style APIs and vLLM automatically), so a start that moves by one turn every turn
 * would miss the cache every time; a start that moves rarely, in large steps, keeps hitting it.
 *
 * Rule: the system prompt is always kept; the messages are cut into turns (a user message and the
 * replies after it, or leading replies with no user message). While the context from
 * `previousStart` fits the budget it is kept as it is. Once it does not, the oldest turns are
 * dropped whole until the estimate is at or below `trimTo` × budget; the newest turn (the one
 * holding the newest message) is always kept, even over budget. So after a trim the first message
 * is a user message. Estimate: `estimateTokens(text) + MESSAGE_OVERHEAD_TOKENS` for the system
 * prompt and each message.
 */
export function fitContext<M extends ContextMessage>(input: FitContextInput<M>): FitContextResult<M> {
  const estimate = input.estimateTokens ?? estimateTokens;
  const cost = (text: string) => estimate(text) + MESSAGE_OVERHEAD_TOKENS;
  const { messages } = input;
  const costs = messages.map((message) => cost(message.content));
  let start = Math.min(Math.max(0, input.previousStart ?? 0), Math.max(0, messages.length - 1));
  let total = costs.slice(start).reduce((sum, c) => sum + c, input.system === undefined ? 0 : cost(input.system));
  const result = (trimmed: boolean) => ({ messages: messages.slice(start), start, trimmed, estimatedTokens: total });
  if (total <= input.budgetTokens) return result(false);

  const lowWater = input.budgetTokens * (input.trimTo ?? DEFAULT_TRIM_TO);
  while (total > lowWater) {
    const end = nextTurnStart(messages, start);
    if (end >= messages.length) break;
    for (let i = start; i < end; i++) total -= costs[i] ?? 0;
    start = end;
  }
  return result(true);
}
/** Index of the first user message after `start`, or the length when there is none. */
function nextTurnStart(messages: readonly ContextMessage[], start: number): number {
  let i = start + 1;
  while (i < messages.length && messages[i]?.role !== 'user') i++;
  return i;
}
