import { expect } from 'vitest';
import { callGateway } from './gateway';

/** Session API calls and SSE parsing shared by the session test files. */
export interface SessionFrame {
  id: number;
  event: string;
  data: any;
}

export function parseSessionSse(text: string): SessionFrame[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const field = (name: string) => block.match(new RegExp(`^${name}: (.*)$`, 'm'))?.[1] ?? '';
      return { id: Number(field('id')), event: field('event'), data: JSON.parse(field('data')) };
    });
}

export const tokensOf = (frames: SessionFrame[]) =>
  frames
    .filter((f) => f.event === 'token')
    .map((f) => f.data.text)
    .join('');

export async function createSession(settings: Record<string, unknown>) {
  const res = await callGateway({ path: '/v1/sessions', body: settings });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

export const post = (id: string, action: string, body?: unknown, headers?: Record<string, string>) =>
  callGateway({ path: `/v1/sessions/${id}/${action}`, method: 'POST', body: body ?? {}, headers });

/** Reads an SSE body until `count` frames arrived, then lets go of the stream (a hang-up). */
export async function readFrames(res: Response, count: number): Promise<SessionFrame[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const frames = parseSessionSse(text);
    if (frames.length >= count) {
      await reader.cancel();
      return frames.slice(0, count);
    }
    const { done, value } = await reader.read();
    if (done) return frames;
    text += decoder.decode(value, { stream: true });
  }
}

export interface SocketMessage {
  id?: number;
  type: string;
  data: any;
}

/**
 * Every message an accepted WebSocket receives, and `until`: resolves once the messages so far pass
 * `check` (tested as each one arrives, not on a timer); fails after `timeoutMs` saying what came.
 */
export function socketMessages(ws: WebSocket) {
  const received: SocketMessage[] = [];
  const arrivals = new Set<() => void>();
  ws.addEventListener('message', (event) => {
    received.push(JSON.parse(event.data as string));
    for (const arrived of [...arrivals]) arrived();
  });
  const until = (check: (messages: SocketMessage[]) => boolean, timeoutMs = 3000) =>
    new Promise<SocketMessage[]>((resolve, reject) => {
      const arrived = () => {
        if (!check(received)) return;
        clearTimeout(timer);
        arrivals.delete(arrived);
        resolve(received);
      };
      const timer = setTimeout(() => {
        arrivals.delete(arrived);
        reject(
          new Error(`no such WebSocket message in ${timeoutMs} ms; got ${JSON.stringify(received).slice(0, 400)}`),
        );
      }, timeoutMs);
      arrivals.add(arrived);
      arrived();
    });
  return { received, until };
}
