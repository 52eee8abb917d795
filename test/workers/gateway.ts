import { env as baseEnv, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { app } from '../../src/app';
import { fakeUrl } from '../support/fake-control';

/** The fake provider as the `local` (OpenAI dialect) and `anthropic` providers. */
export function fakeEnv(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const url = fakeUrl();
  return {
    ...baseEnv,
    LOCAL_BASE_URL: `${url}/v1`,
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    ANTHROPIC_BASE_URL: `${url}/v1`,
    UPSTREAM_RETRY_BASE_MS: '10',
    ...overrides,
  };
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
  /** Pass one to await the request's waitUntil work (waitOnExecutionContext) after the response. */
  ctx?: ExecutionContext;
}

/** Calls the Worker's fetch handler inside workerd, as the runtime would. */
export async function callGateway(call: GatewayCall): Promise<Response> {
  const ctx = call.ctx ?? createExecutionContext();
  const init: RequestInit = {
    method: call.method ?? (call.body === undefined && call.rawBody === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...call.headers },
    signal: call.signal,
  };
  if (call.rawBody !== undefined) init.body = call.rawBody;
  else if (call.body !== undefined) init.body = JSON.stringify(call.body);
  const request = new Request(`http://gateway.test${call.path ?? '/v1/chat/completions'}`, init);
  const response = await app.fetch(request, call.env ?? fakeEnv(), ctx);
  void waitOnExecutionContext(ctx);
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
