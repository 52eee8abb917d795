import { expect } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, type FakeLog, fakeUrl } from '../support/fake-control';
import { callGateway, fakeEnv, type SseFrame } from '../workers/gateway';

/** The fake provider's per-scenario log, with the byte counter the backpressure tests read. */
export interface FakeLogWithBytes extends FakeLog {
  bytesWritten: number;
  lastHangupAt: number | null;
}

export async function fakeLog(id: string): Promise<FakeLogWithBytes> {
  return (await fetch(`${fakeUrl()}/_control/log/${id}`)).json() as Promise<FakeLogWithBytes>;
}

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
 * The one log record of a request, once the Queue consumer has written it to D1. Waits a little
 * longer after the first row appears, so a second record for the same request would be caught.
 */
export async function recordFor(model: string, timeoutMs = 8000): Promise<RequestLogRecord> {
  const rows = await eventually(
    () => logsFor(model),
    (found) => found.length > 0,
    timeoutMs,
  );
  expect(rows, `a log record for ${model}`).toHaveLength(1);
  return rows[0] as RequestLogRecord;
}

/** The log record of the request a response answered (its x-request-id), once the consumer wrote it. */
export async function recordOfResponse(res: Response, timeoutMs = 8000): Promise<RequestLogRecord> {
  const requestId = res.headers.get('x-request-id');
  expect(requestId, 'the response names its request').toBeTruthy();
  const find = async () => {
    const page = await callGateway({ path: '/v1/logs?outcome=rejected&limit=200', env: fakeEnv() });
    return ((await page.json()) as { data: RequestLogRecord[] }).data.filter((r) => r.requestId === requestId);
  };
  const rows = await eventually(find, (found) => found.length > 0, timeoutMs);
  expect(rows).toHaveLength(1);
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
