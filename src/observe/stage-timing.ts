import type { Stage } from '../pipeline/stage';
import { type Emit, isContent } from '../stream/events';

export interface StageTiming {
  /** Longest time a content event waited inside this stage before the stage emitted again. */
  maxHoldMs: number;
  /** Content events the stage took in without emitting anything at once (held back). */
  heldEvents: number;
}

/**
 * Wraps stages to measure the delay each adds: the time from a content event it swallowed to
 * its next emission. Synchronous CPU time is not visible here (workerd's clock only advances
 * across I/O); the benchmark measures that.
 */
export function timeStages(stages: readonly Stage[], now: () => number = Date.now) {
  const timings: Record<string, StageTiming> = {};
  const wrapped = stages.map((stage): Stage => {
    const timing: StageTiming = { maxHoldMs: 0, heldEvents: 0 };
    timings[stage.name] = timing;
    let heldSince: number | undefined;
    let emitted = false;
    let downstream: Emit | undefined;
    let tracking: Emit | undefined;
    const track = (emit: Emit): Emit => {
      if (emit !== downstream) {
        downstream = emit;
        tracking = (event) => {
          emitted = true;
          if (heldSince !== undefined) {
            timing.maxHoldMs = Math.max(timing.maxHoldMs, now() - heldSince);
            heldSince = undefined;
          }
          emit(event);
        };
      }
      return tracking as Emit;
    };
    return {
      name: stage.name,
      onEvent(event, emit) {
        emitted = false;
        stage.onEvent(event, track(emit));
        if (!emitted && isContent(event)) {
          heldSince ??= now();
          timing.heldEvents++;
        }
      },
      settle: stage.settle?.bind(stage),
      onEnd: stage.onEnd ? (emit) => stage.onEnd?.(track(emit)) : undefined,
    };
  });
  return { stages: wrapped, timings };
}
