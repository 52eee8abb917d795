import type { SessionTables } from './session-tables';

/**
 * A turn still marked active when the object starts lost its generation (deploy, eviction,
 * crash): its partial reply goes into the history as failed, and the replay log tells
 * reconnecting clients, instead of the turn vanishing.
 */
export function recoverLostTurn({ marker, log, history }: SessionTables): void {
  const turnId = marker.get();
  if (!turnId) return;
  const partial = log
    .turnEvents(turnId)
    .map(({ event }) => (event.type === 'token' ? event.text : ''))
    .join('');
  log.append(turnId, [
    {
      type: 'error',
      code: 'generation_lost',
      message: 'The session restarted during this reply; it was not finished.',
    },
  ]);
  history.append({ turnId, role: 'assistant', content: partial, status: 'failed' });
  marker.clear();
}
