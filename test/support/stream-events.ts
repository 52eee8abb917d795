import type { StreamEvent } from '../../src/stream/events';

/** One text event per delta, in order. */
export const texts = (...deltas: string[]): StreamEvent[] => deltas.map((text) => ({ type: 'text', text }));

/** A tool call as the gateway's events carry it: its start, then one delta per argument piece. */
export const toolCall = (index: number, id: string, name: string, ...pieces: string[]): StreamEvent[] => [
  { type: 'tool-call-start', index, id, name },
  ...pieces.map((piece): StreamEvent => ({ type: 'tool-call-delta', index, arguments: piece })),
];
