// The fake's per-id log as events, so tests wait for what happened (a hang-up, a stall) instead of
// sampling counters between sleeps. A response is stalled when its writer has waited for 'drain'
// for a while with no byte written meanwhile: backpressure is holding it.
import { EventEmitter } from 'node:events';

type Timer = ReturnType<typeof setTimeout>;

export class LogWatch {
  /** Responses per scenario id that are waiting for 'drain' right now. */
  private readonly waiting = new Map<string, number>();
  private readonly changes = new EventEmitter().setMaxListeners(0);

  /** Something in the id's log changed (a request, bytes written, a hang-up, an end). */
  changed(id: string): void {
    this.changes.emit(id);
  }

  waitingForDrain(id: string, waiting: boolean): void {
    this.waiting.set(id, (this.waiting.get(id) ?? 0) + (waiting ? 1 : -1));
    this.changes.emit(id);
  }

  /** True as soon as `check()` holds (checked now and after each change of the id's log); false after `withinMs`. */
  until(id: string, check: () => boolean, withinMs: number): Promise<boolean> {
    return this.watch(id, withinMs, (finish) => () => {
      if (check()) finish(true);
    });
  }

  /**
   * True once a response of `id` has waited for 'drain' for `quietMs` in a row with nothing
   * written meanwhile; false if that has not happened within `withinMs`.
   */
  stalled(id: string, quietMs: number, withinMs: number): Promise<boolean> {
    let quiet: Timer | undefined;
    return this.watch(
      id,
      withinMs,
      (finish) => () => {
        clearTimeout(quiet);
        quiet = (this.waiting.get(id) ?? 0) > 0 ? setTimeout(() => finish(true), quietMs) : undefined;
      },
      () => clearTimeout(quiet),
    );
  }

  private watch(
    id: string,
    withinMs: number,
    listener: (finish: (result: boolean) => void) => () => void,
    cleanup: () => void = () => {},
  ): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (result: boolean): void => {
        if (done) return;
        done = true;
        cleanup();
        clearTimeout(limit);
        this.changes.off(id, onChange);
        resolve(result);
      };
      const onChange = listener(finish);
      const limit = setTimeout(() => finish(false), withinMs);
      this.changes.on(id, onChange);
      onChange();
    });
  }
}
