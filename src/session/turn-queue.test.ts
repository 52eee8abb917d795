import { describe, expect, it } from 'vitest';
import { type BusyTurn, waitForTurn } from './turn-queue';

/** A turn in progress that ends when the test says so, and notes whether it was interrupted. */
function busyTurn() {
  let end = () => {};
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  const turn = { ended, interrupted: false, interrupt: () => {} };
  turn.interrupt = () => {
    turn.interrupted = true;
  };
  return { turn, end };
}

describe('waitForTurn (on_busy)', () => {
  it('goes ahead at once when nothing is generating', async () => {
    await expect(waitForTurn(() => undefined, 'reject')).resolves.toBeUndefined();
  });

  it('reject: refuses with 409 session_busy and leaves the turn alone', async () => {
    const { turn } = busyTurn();
    await expect(waitForTurn(() => turn, 'reject')).rejects.toMatchObject({ status: 409, code: 'session_busy' });
    expect(turn.interrupted).toBe(false);
  });

  it('redirect: interrupts the turn and goes ahead once it has ended', async () => {
    const { turn, end } = busyTurn();
    let current: BusyTurn | undefined = turn;
    const waiting = waitForTurn(() => current, 'redirect');
    expect(turn.interrupted).toBe(true);
    current = undefined;
    end();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('queue: waits for the turn without interrupting it, and again for one started meanwhile', async () => {
    const first = busyTurn();
    const second = busyTurn();
    let current: BusyTurn | undefined = first.turn;
    let done = false;
    const waiting = waitForTurn(() => current, 'queue').then(() => {
      done = true;
    });
    current = second.turn;
    first.end();
    await first.turn.ended;
    await Promise.resolve();
    expect(done).toBe(false);
    current = undefined;
    second.end();
    await waiting;
    expect(done).toBe(true);
    expect(first.turn.interrupted || second.turn.interrupted).toBe(false);
  });
});
