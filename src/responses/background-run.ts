const bytes = new TextEncoder();

/** The frames after sequence number `after` of a finished background response, as one SSE body. */
export function replay(frames: readonly string[], after: number): ReadableStream<Uint8Array> {
  const body = frames.slice(after + 1).join('');
  return new ReadableStream({
    start(controller) {
      if (body) controller.enqueue(bytes.encode(body));
      controller.close();
    },
  });
}

/**
 * The event log of one background response while it runs in its object: every Responses SSE
 * frame, in order (frame i has sequence_number i, as the encoder numbers them), and the readers
 * that follow it live. A reader that reconnects with `starting_after` gets each frame once.
 */
export class BackgroundRun {
  private readonly frames: string[] = [];
  private pending = '';
  private waiting = new Set<() => void>();
  private ended = false;

  /** The relay's output: complete frames are logged; probe comments are not events. */
  push(text: string): void {
    this.pending += text;
    for (let end = this.pending.indexOf('\n\n'); end !== -1; end = this.pending.indexOf('\n\n')) {
      const frame = this.pending.slice(0, end + 2);
      this.pending = this.pending.slice(end + 2);
      if (!frame.startsWith(':')) this.frames.push(frame);
    }
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  get log(): readonly string[] {
    return this.frames;
  }

  /** Frames after `after`, then each new one as it comes, until the run ends. */
  stream(after: number): ReadableStream<Uint8Array> {
    let next = after + 1;
    return new ReadableStream({
      pull: async (controller) => {
        while (next >= this.frames.length && !this.ended)
          await new Promise<void>((resolve) => this.waiting.add(resolve));
        if (next >= this.frames.length) return controller.close();
        controller.enqueue(bytes.encode(this.frames.slice(next).join('')));
        next = this.frames.length;
      },
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = new Set();
    for (const resolve of waiting) resolve();
  }
}
