import type { ReplayLog } from './replay-log';
import type { SequencedEvent } from './session-events';

/**
 * What a viewer that connects now is sent before the live events: with a Last-Event-ID,
 * everything after it; without one, the current (or last) turn from its start.
 */
export function viewerReplay(log: ReplayLog, lastEventId: string | null, turnId: string | undefined): SequencedEvent[] {
  if (lastEventId !== null && /^\d+$/.test(lastEventId)) {
    const { events, truncated } = log.after(Number(lastEventId));
    // Older turns are pruned: say so rather than hand back a stream with a silent hole.
    return truncated ? [truncatedNotice(Number(lastEventId)), ...events] : events;
  }
  return turnId ? log.turnEvents(turnId) : [];
}

/** Carries the client's own Last-Event-ID, so a reconnect after it resumes from the same place. */
function truncatedNotice(seq: number): SequencedEvent {
  return {
    seq,
    turnId: '',
    event: {
      type: 'error',
      code: 'replay_truncated',
      message: 'Events after the given Last-Event-ID are no longer kept; what follows is what remains.',
    },
  };
}
