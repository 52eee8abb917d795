import { expect } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { callGateway, fakeEnv, type SseFrame, settledAfter, settledFor } from '../workers/gateway';

/** `local/fake;id=…;…`: the fake provider in the OpenAI dialect. */
export const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
/** `anthropic/fake;id=…;…`: the fake provider in the Anthropic dialect. */
export const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;

/** Every log record for a model string, newest first (the local env needs no admin key). */
export async function logsFor(model: string): Promise<RequestLogRecord[]> {
  const res = await callGateway({ path: `/v1/logs?model=${encodeURIComponent(model)}`, env: fakeEnv() });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: RequestLogRecord[] }).data;
}

/**
 * The one log record of the requests made for `model`. Waits until every one of them has finished
 * its work after the response (the relay, the record's write to D1 through the consumer), then
 * reads D1: a missing record and a second record both fail here.
 */
export async function recordFor(model: string): Promise<RequestLogRecord> {
  await settledFor(model);
  const rows = await logsFor(model);
  expect(rows, `one log record for ${model}`).toHaveLength(1);
  return rows[0] as RequestLogRecord;
}

/** The one log record of the request a response answered (its x-request-id), once that request settled. */
export async function recordOfResponse(res: Response): Promise<RequestLogRecord> {
  const requestId = res.headers.get('x-request-id');
  expect(requestId, 'the response names its request').toBeTruthy();
  await settledAfter(res);
  const page = await callGateway({ path: '/v1/logs?outcome=rejected&limit=200', env: fakeEnv() });
  const rows = ((await page.json()) as { data: RequestLogRecord[] }).data.filter((r) => r.requestId === requestId);
  expect(rows, `one log record for ${requestId}`).toHaveLength(1);
  return rows[0] as RequestLogRecord;
}

/** Parses an SSE body (test-side, independent of ours): every frame with its event name. */
export function parseSse(text: string): Array<SseFrame & { event?: string }> {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => !line.startsWith(':')))
    .filter((lines) => lines.some((line) => line.startsWith('data: ')))
    .map((lines) => {
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      let json: unknown;
      try {
        json = data === '[DONE]' ? undefined : JSON.parse(data);
      } catch {}
      return { data, json, ...(event === undefined ? {} : { event }) };
    });
}

export const hasDone = (frames: SseFrame[]) => frames.some((frame) => frame.data === '[DONE]');

/** The text the client was sent, from OpenAI chunks. */
export const textOf = (frames: SseFrame[]) =>
  frames.map((frame) => frame.json?.choices?.[0]?.delta?.content ?? '').join('');

/** Reads a body with a time bound: what arrived, and whether it ended. */
export async function readFor(
  body: ReadableStream<Uint8Array>,
  ms: number,
): Promise<{ text: string; bytes: number; ended: boolean }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + ms;
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return { text, bytes, ended: false };
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left));
      const result = await Promise.race([reader.read(), timeout]);
      if (result === 'timeout') return { text, bytes, ended: false };
      if (result.done) return { text, bytes, ended: true };
      bytes += result.value.byteLength;
      text += decoder.decode(result.value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}
