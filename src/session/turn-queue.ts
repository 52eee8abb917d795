import { GatewayError } from '../errors/gateway-error';
import type { SessionSettings } from './session-settings';

/** What the queue needs of the turn in progress. */
export interface BusyTurn {
  /** Settles once the turn is over and recorded. */
  ended: Promise<unknown>;
  interrupt(): void;
}

const busy = () =>
  new GatewayError(409, 'invalid_request_error', 'A reply is still being generated in this session.', {
    code: 'session_busy',
  });

/**
 * One generation at a time: a new message waits for the turn in progress (`queue`), interrupts
 * it (`redirect`) or is refused with a 409 (`reject`). Resolves when no turn is in progress;
 * `current` is asked again after each wait, since another waiting message may have started one.
 */
export async function waitForTurn(
  current: () => BusyTurn | undefined,
  onBusy: SessionSettings['on_busy'],
): Promise<void> {
  for (let turn = current(); turn; turn = current()) {
    if (onBusy === 'reject') throw busy();
    if (onBusy === 'redirect') turn.interrupt();
    await turn.ended;
  }
}
