import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../stream/events';
import { composeStages, type Stage } from './stage';

const upper: Stage = {
  name: 'upper',
  onEvent: (event, emit) => emit(event.type === 'text' ? { type: 'text', text: event.text.toUpperCase() } : event),
};

/** Holds text back until the end: proves onEnd runs in order and flushes downstream. */
function holdAll(): Stage {
  let held = '';
  return {
    name: 'hold',
    onEvent: (event, emit) => {
      if (event.type === 'text') held += event.text;
      else emit(event);
    },
    onEnd: (emit) => emit({ type: 'text', text: held }),
  };
}

describe('composeStages', () => {
  it('passes events straight to the sink when there are no stages', () => {
    const out: StreamEvent[] = [];
    const pipeline = composeStages([], (e) => out.push(e));
    pipeline.push({ type: 'text', text: 'a' });
    pipeline.end();
    expect(out).toEqual([{ type: 'text', text: 'a' }]);
  });

  it('runs stages in order and ends them upstream first', () => {
    const out: StreamEvent[] = [];
    const pipeline = composeStages([holdAll(), upper], (e) => out.push(e));
    pipeline.push({ type: 'text', text: 'ab' });
    pipeline.push({ type: 'finish', reason: 'stop' });
    pipeline.push({ type: 'text', text: 'c' });
    expect(out).toEqual([{ type: 'finish', reason: 'stop' }]);
    pipeline.end();
    expect(out).toEqual([
      { type: 'finish', reason: 'stop' },
      { type: 'text', text: 'ABC' },
    ]);
  });
});
