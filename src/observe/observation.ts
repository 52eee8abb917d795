import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import { GapHistogram } from './gap-histogram';

/** Completions kept for the log are cut here: a log row is not the place for a whole novel. */
export const MAX_LOGGED_COMPLETION_CHARS = 32_000;

/** What the client was sent, as the last stage sees it: the facts the log record reports. */
export class Observation {
  firstContentAt: number | undefined;
  private lastContentAt: number | undefined;
  readonly gaps = new GapHistogram();
  outputChars = 0;
  finishReason: FinishReason | undefined;
  usage: Usage | undefined;
  completion = '';

  constructor(private readonly captureCompletion: boolean) {}

  see(event: StreamEvent, now: number): void {
    switch (event.type) {
      case 'text':
      case 'reasoning':
      case 'tool-call-delta':
      case 'tool-call-start': {
        if (this.lastContentAt === undefined) this.firstContentAt = now;
        else this.gaps.add(now - this.lastContentAt);
        this.lastContentAt = now;
        const text =
          event.type === 'tool-call-delta' ? event.arguments : event.type === 'tool-call-start' ? '' : event.text;
        this.outputChars += text.length;
        if (this.captureCompletion && event.type === 'text' && this.completion.length < MAX_LOGGED_COMPLETION_CHARS) {
          this.completion += text.slice(0, MAX_LOGGED_COMPLETION_CHARS - this.completion.length);
        }
        return;
      }
      case 'finish':
        this.finishReason = event.reason;
        return;
      case 'usage':
        this.usage = event.usage;
        return;
      default:
        return;
    }
  }
}
