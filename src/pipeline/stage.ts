import type { Emit, StreamEvent } from '../stream/events';
import type { SpliceRecord } from './splice';
import type { StageRecordEntries, StageRecords } from './stage-records';

/**
 * A pipeline stage: sees each event and emits zero or more events downstream, synchronously.
 * Stages are plain objects rather than TransformStreams so that a whole list runs inside the
 * relay's single stream hop (each JS stream hop costs ~0.2 ms CPU per chunk in workerd).
 */
export interface Stage {
  readonly name: string;
  onEvent(event: StreamEvent, emit: Emit): void;
  /**
   * Work still running beside the stream (e.g. a moderation check of the last sentence) that the
   * stream's end must wait for. Awaited once, before `onEnd`, on a finished or stopped stream.
   */
  settle?(): Promise<void>;
  /** The upstream finished (or a stage stopped it): release anything held back. */
  onEnd?(emit: Emit): void;
}

/** What a stage may do beyond emitting: end the generation, and add to the request's log record. */
export interface StageContext {
  /**
   * Ends the generation after the current event: the upstream is aborted and the stream closes
   * cleanly. The stage emits its own final events (e.g. `finish: content_filter`) before calling it.
   */
  stop(): void;
  /** Adds an entry to the request's log record under the stage's name. */
  record<Name extends keyof StageRecordEntries>(stage: Name, entry: StageRecordEntries[Name]): void;
}

export type StageFactory = (context: StageContext) => Stage;

/** The per-request StageContext; the relay binds `stop` to its upstream once it has one. */
export class StageControl implements StageContext {
  stopped = false;
  readonly records: StageRecords = { guard: [], moderation: [], structured: [] };
  /** The pump's splices, as they happen: the request's cost so far includes the attempts they replaced. */
  readonly splices: SpliceRecord[] = [];
  private onStop: (() => void) | undefined;

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop?.();
  }

  record<Name extends keyof StageRecordEntries>(stage: Name, entry: StageRecordEntries[Name]): void {
    this.records[stage].push(entry);
  }

  bind(onStop: () => void): void {
    this.onStop = onStop;
    if (this.stopped) onStop();
  }
}

export interface ComposedPipeline {
  push: Emit;
  /** Waits for every stage's pending side work; resolves at once when there is none. */
  settle(): Promise<void>;
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
  const settling = stages.filter((stage) => stage.settle);
  return {
    push,
    settle: async () => {
      if (settling.length > 0) await Promise.all(settling.map((stage) => stage.settle?.()));
    },
    end: () => {
      for (const end of ends) end();
    },
  };
}
