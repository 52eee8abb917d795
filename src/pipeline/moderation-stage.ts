import type { Moderator } from '../guard/moderator';
import type { StreamEvent } from '../stream/events';
import type { StageFactory } from './stage';

export interface ModerationOptions {
  /** Text is sent without waiting for a sentence end once it is this long. Default 400. */
  maxChars?: number;
  /** A sentence end before this many characters does not cut, so `e.g.` or `3.` is not a check of its own. Default 20. */
  minChars?: number;
  /** Checks running at once; sentences completed meanwhile are sent as one check when one returns. Default 4. */
  maxInFlight?: number;
  /** A check slower than this is given up. Default 3000 ms. */
  timeoutMs?: number;
}

const SENTENCE_ENDS = new Set(['.', '!', '?', '\n', '。', '！', '？']);

/**
 * Moderates the answer text sentence by sentence without holding any of it: every event goes
 * downstream at once and the checks run beside the stream. A flagged sentence stops the
 * generation; the stream then ends with a `retract` of everything sent since that sentence
 * began, and `finish: content_filter`. Only the upstream `finish` (and what follows it) waits,
 * while checks are still out, so that a late verdict can still replace it.
 *
 * A moderator that fails or times out lets the text stand (fail open): the stream keeps its
 * latency and the failure is recorded as `{ action: 'fail_open' }`. Reasoning and tool-call
 * arguments are not moderated.
 */
export function createModerationStage(moderator: Moderator, options: ModerationOptions = {}): StageFactory {
  const maxChars = options.maxChars ?? 400;
  const minChars = options.minChars ?? 20;
  const maxInFlight = options.maxInFlight ?? 4;
  const timeoutMs = options.timeoutMs ?? 3000;

  return (context) => {
    /** Answer characters sent downstream so far. */
    let sent = 0;
    let sentence = '';
    let sentenceStart = 0;
    let queued: { text: string; start: number } | undefined;
    const inFlight = new Set<Promise<void>>();
    /** Where the earliest flagged text began, in `sent` characters. */
    let flaggedAt: number | undefined;
    let flaggedCategory: string | undefined;
    let held: StreamEvent[] | undefined;
    const ending = new AbortController();

    const judge = async (text: string, start: number) => {
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new DOMException('moderation timed out', 'TimeoutError')),
        timeoutMs,
      );
      const stop = () => deadline.abort(ending.signal.reason);
      ending.signal.addEventListener('abort', stop);
      // A moderator that ignores its signal must not keep the stream's end waiting.
      const given = new Promise<never>((_, reject) =>
        deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason)),
      );
      try {
        const verdict = await Promise.race([moderator.check(text, deadline.signal), given]);
        if (verdict.flagged) flag(start, verdict.category);
      } catch (error) {
        if (ending.signal.aborted) return;
        const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'error';
        context.record('moderation', { action: 'fail_open', reason });
      } finally {
        clearTimeout(timer);
        ending.signal.removeEventListener('abort', stop);
      }
    };

    const flag = (start: number, category: string | undefined) => {
      if (ending.signal.aborted) return;
      context.record('moderation', { action: 'block', category: category ?? null });
      if (flaggedAt !== undefined && flaggedAt <= start) return;
      const first = flaggedAt === undefined;
      flaggedAt = start;
      flaggedCategory = category;
      if (first) context.stop();
    };

    const send = (text: string, start: number) => {
      if (ending.signal.aborted) return;
      if (inFlight.size >= maxInFlight) {
        queued = queued ? { text: queued.text + text, start: queued.start } : { text, start };
        return;
      }
      const check: Promise<void> = judge(text, start).finally(() => {
        inFlight.delete(check);
        const next = queued;
        queued = undefined;
        if (next && flaggedAt === undefined) send(next.text, next.start);
      });
      inFlight.add(check);
    };

    const cut = (text: string) => {
      if (text.trim() !== '') send(text, sentenceStart);
      sentenceStart += text.length;
    };

    const take = (text: string) => {
      let from = 0;
      for (let i = 0; i < text.length; i++) {
        const length = sentence.length + i + 1 - from;
        if (length >= maxChars || (length >= minChars && SENTENCE_ENDS.has(text.charAt(i)))) {
          cut(sentence + text.slice(from, i + 1));
          sentence = '';
          from = i + 1;
        }
      }
      sentence += from === 0 ? text : text.slice(from);
    };

    const sendRest = () => {
      if (sentence === '' || flaggedAt !== undefined) return;
      cut(sentence);
      sentence = '';
    };

    return {
      name: 'moderation',
      onEvent(event, emit) {
        if (flaggedAt !== undefined) return;
        if (held) {
          held.push(event);
          return;
        }
        if (event.type === 'finish') {
          sendRest();
          if (inFlight.size > 0) {
            held = [event];
            return;
          }
        }
        emit(event);
        if (event.type === 'text') {
          sent += event.text.length;
          take(event.text);
        }
      },
      async settle() {
        sendRest();
        while (inFlight.size > 0) await Promise.all(inFlight);
      },
      onEnd(emit) {
        ending.abort(new DOMException('the stream ended', 'AbortError'));
        if (flaggedAt !== undefined) {
          const reason = flaggedCategory ? `moderation:${flaggedCategory}` : 'moderation';
          emit({ type: 'retract', chars: sent - flaggedAt, reason });
          emit({ type: 'finish', reason: 'content_filter' });
          return;
        }
        for (const event of held ?? []) emit(event);
      },
    };
  };
}
