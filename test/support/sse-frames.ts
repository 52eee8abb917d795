import { expect } from 'vitest';

/** Every frame's parsed data, checking the framing: `event:` then `data:`, the event naming the data's type. */
export function typedFrames(text: string) {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const [eventLine = '', dataLine = '', ...rest] = frame.split('\n');
      expect(rest).toEqual([]);
      const data = JSON.parse(dataLine.replace(/^data: /, ''));
      expect(data.type).toBe(eventLine.replace(/^event: /, ''));
      return data;
    });
}
