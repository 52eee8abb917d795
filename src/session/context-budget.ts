export interface ContextMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface FitContextInput<M extends ContextMessage> {
  system?: string;
  /** Oldest first; the last one is the message being answered. */
  messages: readonly M[];
  budgetTokens: number;
  estimateTokens?: (text: string) => number;
}

export interface FitContextResult<M extends ContextMessage> {
  messages: M[];
  droppedMessages: number;
  /** The system prompt and the kept messages; above the budget when the newest turn alone is. */
  estimatedTokens: number;
}

/** Role markers and separators each message costs on top of its text, as chat templates add them. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** About four characters per token for English text with the common BPE tokenizers. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The history that fits the budget. Rule: the system prompt is always kept; the messages are
 * cut into turns (a user message and the replies after it, or leading replies with no user
 * message); the oldest turns are dropped whole until the estimate fits; the newest turn (the one
 * holding the newest message) is always kept, even over budget. So after a drop the first
 * message is a user message. Estimate: `estimateTokens(text) + MESSAGE_OVERHEAD_TOKENS` for the
 * system prompt and each message.
 */
export function fitContext<M extends ContextMessage>(input: FitContextInput<M>): FitContextResult<M> {
  const estimate = input.estimateTokens ?? estimateTokens;
  const cost = (text: string) => estimate(text) + MESSAGE_OVERHEAD_TOKENS;
  const { messages } = input;
  const costs = messages.map((message) => cost(message.content));
  let total = costs.reduce((sum, c) => sum + c, input.system === undefined ? 0 : cost(input.system));

  let start = 0;
  while (total > input.budgetTokens) {
    const end = nextTurnStart(messages, start);
    if (end >= messages.length) break;
    for (let i = start; i < end; i++) total -= costs[i] ?? 0;
    start = end;
  }
  return { messages: messages.slice(start), droppedMessages: start, estimatedTokens: total };
}

/** Index of the first user message after `start`, or the length when there is none. */
function nextTurnStart(messages: readonly ContextMessage[], start: number): number {
  let i = start + 1;
  while (i < messages.length && messages[i]?.role !== 'user') i++;
  return i;
}
