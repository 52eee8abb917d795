import type { FinishReason } from '../stream/events';
import type { WarmupDecision } from './warmup-gate';

/**
 * What a session's viewers receive, over SSE (`id:` = seq, `event:` = type, `data:` = JSON)
 * and over WebSocket (`{ id, type, data }`). The same record is stored in the replay log.
 */
export type SessionEvent =
  | { type: 'turn-start'; turnId: string; content: string }
  | { type: 'token'; text: string }
  | { type: 'reasoning'; text: string }
  /** The model declined: the text it gave instead of an answer (OpenAI's `refusal`). */
  | { type: 'refusal'; text: string }
  | { type: 'finish'; reason: FinishReason | 'interrupted' }
  /** A guard rule matched in this reply (redacted text carries a `[REDACTED:…]` placeholder). */
  | { type: 'guard'; action: 'redact' | 'block' | 'flag'; rule: string }
  /** Withdraw the last `chars` characters already sent: a moderation verdict came after them. */
  | { type: 'retract'; chars: number; reason: string }
  /** What the turn consumed, as the provider reported it; `cost` in USD as clients' `usage.cost` is. */
  | { type: 'usage'; inputTokens?: number; outputTokens?: number; cost?: number }
  | { type: 'error'; code: string; message: string }
  /** The answer to one WebSocket's warm-up signal: sent to that socket alone, never logged or replayed. */
  | ({ type: 'warmup' } & WarmupDecision);

export interface SequencedEvent {
  /** Monotonic across the session's life: the SSE `id` a client resumes from. */
  seq: number;
  turnId: string;
  event: SessionEvent;
}
