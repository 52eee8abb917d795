import type { SequencedEvent } from './session-events';
import { toSse } from './session-wire';

/**
 * A viewer that falls this far behind is dropped rather than buffered without end; it can
 * reconnect with Last-Event-ID and the replay log fills the gap.
 */
export const MAX_VIEWER_BACKLOG_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

interface Viewer {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  backlog: number;
  /** Close after this turn ends (an HTTP POST that streams only its own turn). */
  untilTurnEnd: boolean;
}

/** The SSE viewers of one session: every event goes to each of them, in order. */
export class Viewers {
  private readonly viewers = new Set<Viewer>();

  /** A new SSE stream that starts with `replay`, then follows live events until closed. */
  open(
    replay: readonly SequencedEvent[],
    options: { live: boolean; untilTurnEnd?: boolean },
  ): ReadableStream<Uint8Array> {
    const { readable, writable } = new IdentityTransformStream();
    const viewer: Viewer = { writer: writable.getWriter(), backlog: 0, untilTurnEnd: options.untilTurnEnd ?? false };
    if (replay.length > 0) this.write(viewer, replay.map(toSse).join(''));
    if (options.live) this.viewers.add(viewer);
    else this.close(viewer);
    return readable;
  }

  broadcast(events: readonly SequencedEvent[]): void {
    if (this.viewers.size === 0 || events.length === 0) return;
    const text = events.map(toSse).join('');
    for (const viewer of this.viewers) this.write(viewer, text);
  }

  /** The turn is over: close the viewers that only wanted this turn. */
  turnEnded(): void {
    for (const viewer of this.viewers) if (viewer.untilTurnEnd) this.close(viewer);
  }

  /** Nothing is generating any more: live viewers have nothing left to wait for. */
  closeAll(): void {
    for (const viewer of this.viewers) this.close(viewer);
  }

  get size(): number {
    return this.viewers.size;
  }

  private write(viewer: Viewer, text: string): void {
    const bytes = encoder.encode(text);
    if (viewer.backlog + bytes.length > MAX_VIEWER_BACKLOG_BYTES) {
      this.drop(viewer);
      return;
    }
    viewer.backlog += bytes.length;
    viewer.writer.write(bytes).then(
      () => {
        viewer.backlog -= bytes.length;
      },
      () => this.drop(viewer),
    );
  }

  private close(viewer: Viewer): void {
    this.viewers.delete(viewer);
    viewer.writer.close().catch(() => {});
  }

  private drop(viewer: Viewer): void {
    this.viewers.delete(viewer);
    viewer.writer.abort(new Error('viewer fell behind or went away')).catch(() => {});
  }
}
