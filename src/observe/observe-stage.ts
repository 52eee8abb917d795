import { CHARS_PER_TOKEN } from '../config/chars-per-token';
import type { Stage } from '../pipeline/stage';
import type { Observation } from './observation';

export interface ObserveOptions {
  /** Send the client an end-of-stream `metrics` annotation (opt-in). */
  emitMetrics: boolean;
  /** When the request arrived (epoch ms), for TTFT. */
  receivedAt: number;
  /** The request's USD cost so far, read at each usage report and attached to it (`Usage.costUsd`). */
  cost?: () => number | undefined;
  now?: () => number;
}

/**
 * The last stage: records what the client is sent (first content, gaps, finish, usage), completes
 * the usage (an estimated output count where the provider left it out, the request's cost), and
 * optionally ends the stream with a metrics annotation.
 */
export function createObserveStage(observation: Observation, options: ObserveOptions): Stage {
  const now = options.now ?? Date.now;
  return {
    name: 'observe',
    onEvent(event, emit) {
      observation.see(event, now());
      if (event.type !== 'usage') return emit(event);
      // A provider that left out the output count gets an estimate rather than a false 0; the
      // log record marks it estimated.
      const costUsd = options.cost?.();
      if (event.usage.outputTokens !== undefined && costUsd === undefined) return emit(event);
      const outputTokens = event.usage.outputTokens ?? Math.ceil(observation.outputChars / CHARS_PER_TOKEN);
      emit({ type: 'usage', usage: { ...event.usage, outputTokens, ...(costUsd !== undefined && { costUsd }) } });
    },
    onEnd(emit) {
      if (!options.emitMetrics || observation.firstContentAt === undefined) return;
      const outputTokens = observation.usage?.outputTokens ?? Math.ceil(observation.outputChars / CHARS_PER_TOKEN);
      const seconds = Math.max(0.001, (now() - observation.firstContentAt) / 1000);
      emit({
        type: 'metrics',
        ttftMs: observation.firstContentAt - options.receivedAt,
        tokensPerSecond: Math.round((outputTokens / seconds) * 10) / 10,
        outputTokens,
      });
    },
  };
}
