import { describe, expect, it } from 'vitest';
import { errorFrame, parseClientMessage, replyFrame } from './socket-protocol';

describe('session socket protocol', () => {
  it('reads the three client messages, as text or bytes', () => {
    expect(parseClientMessage('{"type":"message","content":"Hi"}')).toEqual({ type: 'message', content: 'Hi' });
    const bytes = new TextEncoder().encode('{"type":"interrupt"}');
    expect(parseClientMessage(bytes.slice().buffer as ArrayBuffer)).toEqual({ type: 'interrupt' });
    expect(parseClientMessage('{"type":"warmup"}')).toEqual({ type: 'warmup' });
  });

  it('names what is wrong: not JSON, an unknown type, a bad field', () => {
    expect(parseClientMessage('not json')).toMatchObject({ type: 'invalid', code: 'invalid_json' });
    expect(parseClientMessage('null')).toMatchObject({ type: 'invalid', code: 'unknown_type' });
    expect(parseClientMessage('{"type":"shout"}')).toMatchObject({ type: 'invalid', code: 'unknown_type' });
    const empty = parseClientMessage('{"type":"message","content":""}');
    expect(empty).toMatchObject({ type: 'invalid', code: 'invalid_field' });
    expect(empty.type === 'invalid' && empty.message).toContain('content');
  });

  it('answers a socket outside the session log (id 0)', () => {
    expect(JSON.parse(errorFrame('session_busy', 'Busy.'))).toEqual({
      id: 0,
      type: 'error',
      data: { code: 'session_busy', message: 'Busy.' },
    });
    expect(JSON.parse(replyFrame({ type: 'warmup', warmup: 'started' }))).toEqual({
      id: 0,
      type: 'warmup',
      data: { warmup: 'started' },
    });
  });
});
