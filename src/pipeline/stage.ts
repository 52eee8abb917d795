import type { Emit } from '../providers/provider';
import type { StreamEvent } from '../stream/events';

/**
 * A pipeline stage: sees each event and emits zero or more events downstream, synchronously.
 * Stages are plain objects rather than TransformStreams so that a whole list runs inside the
 * relay's single stream hop (each JS stream hop costs ~0.2 ms CPU per chunk in workerd).
 */
export interface Stage {
  readonly name: string;
  onEvent(event: StreamEvent, emit: Emit): void;
  /** The upstream finished: release anything held back. */
  onEnd?(emit: Emit): void;
}

export interface ComposedPipeline {
  push: Emit;
  end(): void;
}

/** Chains stages once per stream, so each event costs a call per stage and nothing more. */
export function composeStages(stages: readonly Stage[], sink: Emit): ComposedPipeline {
  let push = sink;
  const ends: Array<() => void> = [];
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i] as Stage;
    const downstream = push;
    push = (event) => stage.onEvent(event, downstream);
    if (stage.onEnd) {
      const onEnd = stage.onEnd.bind(stage);
      ends.unshift(() => onEnd(downstream));
    }
  }
  return {
    push,
    end: () => {
      for (const end of ends) end();
    },
  };
}
