// @ts-check
import { errorOf } from './api.js';
import { refreshLogsSoon } from './request-log.js';
import { sseBatches } from './sse.js';
import { fail, markCached, renderMeta, renderText, setState } from './turn-view.js';

/** @typedef {import('./turns.js').Turn} Turn */

/**
 * Streams one reply into its turn, whichever API it comes from: `open` makes the request (and
 * returns undefined when it has already failed the turn), `apply` takes each event's data, and
 * the turn renders once per network read. A stream that ends before the reply did fails the turn,
 * Stop (the signal) marks it interrupted, and the request log refreshes at the end either way.
 * @param {Turn} turn
 * @param {AbortSignal} signal
 * @param {() => Promise<Response | undefined>} open
 * @param {(data: string, now: number) => void} apply
 */
export async function streamTurn(turn, signal, open, apply) {
  try {
    const res = await open();
    if (!res) return;
    if (!res.ok || !res.body) return fail(turn, (await errorOf(res)).message);
    markCached(turn, res.headers.get('x-infe-cache'));
    for await (const batch of sseBatches(res.body)) {
      const now = performance.now();
      for (const event of batch) apply(event.data, now);
      renderText(turn);
      renderMeta(turn);
    }
    if (turn.state === 'streaming' || turn.state === 'waiting') fail(turn, 'The stream ended early.');
  } catch (error) {
    if (signal.aborted) setState(turn, 'interrupted');
    else fail(turn, error instanceof Error ? error.message : String(error));
  } finally {
    renderMeta(turn);
    refreshLogsSoon();
  }
}
