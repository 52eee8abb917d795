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
  /** The model declined (a `refusal` event reached the client). */
  refused = false;
  completion = '';

  constructor(private readonly captureCompletion: boolean) {}

  see(event: StreamEvent, now: number): void {
    switch (event.type) {
      case 'text':
      case 'reasoning':
      case 'refusal':
      case 'tool-call-delta':
      case 'tool-call-start': {
        if (this.lastContentAt === undefined) this.firstContentAt = now;
        else this.gaps.add(now - this.lastContentAt);
        this.lastContentAt = now;
        if (event.type === 'refusal') this.refused = true;
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

/** The counts beyond input and output the provider reported, for the log record; none is ever made up. */
export function usageDetails(usage: Usage | undefined): Partial<Record<UsageDetail, number>> {
  const details: Partial<Record<UsageDetail, number>> = {};
  if (!usage) return details;
  if (usage.cachedInputTokens !== undefined) details.cachedInput = usage.cachedInputTokens;
  if (usage.cacheCreationInputTokens !== undefined) details.cacheCreationInput = usage.cacheCreationInputTokens;
  if (usage.reasoningTokens !== undefined) details.reasoning = usage.reasoningTokens;
  if (usage.cost !== undefined) details.cost = usage.cost;
  return details;
}

export type UsageDetail = 'cachedInput' | 'cacheCreationInput' | 'reasoning' | 'cost';
