import {
  env as baseEnv,
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { app } from '../../src/app';
import { consumeLogBatch } from '../../src/observe/log-consumer';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { fakeUrl } from '../support/fake-control';

/**
 * The request-log queue as these tests bind it: each record goes to the real consumer (so to D1)
 * inside the request's own waitUntil, so its row is there once the request's work has settled
 * (`settledFor`, `settledAfter`). The real Queue is still what Durable Objects use, and what
 * test/workers/request-log.test.ts checks end to end.
 */
export const directLogQueue = {
  async send(record: RequestLogRecord): Promise<void> {
    // The real queue sends JSON (contentType 'json'): the consumer sees what survives that.
    const body = JSON.parse(JSON.stringify(record)) as RequestLogRecord;
    const batch = createMessageBatch<RequestLogRecord>('infe-request-logs', [
      { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body },
    ]);
    await consumeLogBatch(batch, baseEnv);
    const result = await getQueueResult(batch, createExecutionContext());
    if (result.retryBatch.retry || result.retryMessages.length > 0) {
      throw new Error(`the log consumer did not store ${record.requestId}`);
    }
  },
};

/** The fake provider as the `local` (OpenAI dialect) and `anthropic` providers. */
export function fakeEnv(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const url = fakeUrl();
  return {
    ...baseEnv,
    LOCAL_BASE_URL: `${url}/v1`,
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    ANTHROPIC_BASE_URL: `${url}/v1`,
    UPSTREAM_RETRY_BASE_MS: '10',
    LOG_QUEUE: directLogQueue,
    ...overrides,
  };
}

/** Each call's waitUntil work (its relay, log record, slot release), by response and by request model. */
const settledByResponse = new WeakMap<Response, Promise<void>>();
const settledByModel = new Map<string, Promise<void>[]>();

/** Resolves once every waitUntil of the call that answered `res` has settled. */
export function settledAfter(res: Response): Promise<void> {
  const settled = settledByResponse.get(res);
  if (!settled) throw new Error('settledAfter: this response did not come from callGateway');
  return settled;
}

/** Resolves once every call made so far for `model` has settled; fails when there was none. */
export async function settledFor(model: string): Promise<void> {
  const calls = settledByModel.get(model);
  if (!calls) throw new Error(`settledFor: no gateway call was made for ${model}`);
  await Promise.all(calls);
}

function requestModel(call: GatewayCall): string | undefined {
  let body = call.body;
  if (typeof call.rawBody === 'string') {
    try {
      body = JSON.parse(call.rawBody);
    } catch {
      return undefined;
    }
  }
  const model = (body as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' ? model : undefined;
}

export interface GatewayCall {
  body?: unknown;
  env?: Record<string, unknown>;
  path?: string;
  method?: string;
  signal?: AbortSignal;
  /** A body sent as is: text, or a stream the test controls. */
  rawBody?: string | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

/** Calls the Worker's fetch handler inside workerd, as the runtime would. */
export async function callGateway(call: GatewayCall): Promise<Response> {
  const ctx = createExecutionContext();
  const init: RequestInit = {
    method: call.method ?? (call.body === undefined && call.rawBody === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...call.headers },
    signal: call.signal,
  };
  if (call.rawBody !== undefined) init.body = call.rawBody;
  else if (call.body !== undefined) init.body = JSON.stringify(call.body);
  const request = new Request(`http://gateway.test${call.path ?? '/v1/chat/completions'}`, init);
  const response = await app.fetch(request, call.env ?? fakeEnv(), ctx);
  const settled = waitOnExecutionContext(ctx);
  settledByResponse.set(response, settled);
  const model = requestModel(call);
  if (model !== undefined) settledByModel.set(model, [...(settledByModel.get(model) ?? []), settled]);
  return response;
}

export function chat(model: string, extra: Record<string, unknown> = {}) {
  return { model, messages: [{ role: 'user', content: 'Hello' }], ...extra };
}

export interface SseFrame {
  data: string;
  json?: any;
}

/** Reads an SSE body to the end, frame by frame (test-side parsing, independent of ours). */
export async function readSse(response: Response): Promise<SseFrame[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => {
      const data = block.slice(6);
      let json: unknown;
      try {
        json = data === '[DONE]' ? undefined : JSON.parse(data);
      } catch {}
      return { data, json };
    });
}

export function contentOf(frames: SseFrame[]): string {
  return frames.map((f) => f.json?.choices?.[0]?.delta?.content ?? '').join('');
}

export function errorFrame(frames: SseFrame[]) {
  return frames.find((f) => f.json?.error)?.json.error as { code: string; message: string; type: string } | undefined;
}
