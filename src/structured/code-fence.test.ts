import { describe, expect, it } from 'vitest';
import { CodeFence } from './code-fence';

/** Opens the fence over `deltas`; returns the body text it let through. */
function body(fence: CodeFence, deltas: string[]): string {
  return deltas.map((delta) => fence.open(delta)).join('');
}

describe('CodeFence', () => {
  it('drops leading whitespace and an opening fence line, however the text is split', () => {
    for (const text of ['```json\n{"a":1}', '  \n```\n{"a":1}', '```JSON \r\n{"a":1}', '\n\n{"a":1}']) {
      for (let i = 0; i <= text.length; i++) {
        const fence = new CodeFence();
        expect(body(fence, [text.slice(0, i), text.slice(i)]).trimStart()).toBe('{"a":1}');
        expect(fence.error).toBeUndefined();
      }
    }
  });

  it('passes the body through untouched once it has begun', () => {
    const fence = new CodeFence();
    expect(body(fence, ['{"a":', ' "```"}'])).toBe('{"a": "```"}');
  });

  it('rejects text before the value that is not a fence', () => {
    for (const text of ['`x', '``json\n', '```json and then prose that runs on for far too long without a newline']) {
      const fence = new CodeFence();
      body(fence, [text]);
      expect(fence.error).toBe('unexpected text before the JSON value');
    }
  });

  it('accepts whitespace and one closing fence after the value', () => {
    for (const deltas of [['\n```'], ['\n`', '`', '`\n'], ['  '], ['```']]) {
      const fence = new CodeFence();
      for (const delta of deltas) fence.close(delta);
      fence.finish();
      expect(fence.error).toBeUndefined();
    }
  });

  it('rejects anything else after the value, including a fence cut short', () => {
    for (const deltas of [['\nDone!'], ['```\nHope this helps'], ['````'], ['`` `'], ['\n``']]) {
      const fence = new CodeFence();
      for (const delta of deltas) fence.close(delta);
      fence.finish();
      expect(fence.error).toBe('unexpected text after the JSON value');
    }
  });
});
