import type { SequencedEvent, SessionEvent } from './session-events';

type Payload<T extends SessionEvent['type']> = Omit<Extract<SessionEvent, { type: T }>, 'type'>;

function payload(event: SessionEvent): Payload<SessionEvent['type']> {
  const { type: _type, ...rest } = event;
  return rest;
}

/** `id: 7\nevent: token\ndata: {"text":"Hi"}\n\n`: the id is what `Last-Event-ID` resumes from. */
export function toSse({ seq, event }: SequencedEvent): string {
  return `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(payload(event))}\n\n`;
}

/** The same event for WebSocket clients: `{"id":7,"type":"token","data":{"text":"Hi"}}`. */
export function toWebSocketMessage({ seq, event }: SequencedEvent): string {
  return JSON.stringify({ id: seq, type: event.type, data: payload(event) });
}
