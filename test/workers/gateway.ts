import { env as baseEnv, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { inject } from 'vitest';
import { app } from '../../src/app';

/** The fake provider as the `local` (OpenAI dialect) and `anthropic` providers. */
export function fakeEnv(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const url = inject('fakeProviderUrl');
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
  rawBody?: string;
}

/** Calls the Worker's fetch handler inside workerd, as the runtime would. */
export async function callGateway(call: GatewayCall): Promise<Response> {
  const ctx = createExecutionContext();
  const init: RequestInit = {
    method: call.method ?? (call.body === undefined && call.rawBody === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    signal: call.signal,
  };
  if (call.rawBody !== undefined) init.body = call.rawBody;
  else if (call.body !== undefined) init.body = JSON.stringify(call.body);
  const request = new Request(`http://gateway.test${call.path ?? '/v1/chat/completions'}`, init);
  const response = await app.fetch(request, call.env ?? fakeEnv(), ctx);
  void waitOnExecutionContext(ctx);
  return response;
}

export async function fakeLog(id: string) {
  const res = await fetch(`${inject('fakeProviderUrl')}/_control/log/${id}`);
  return (await res.json()) as {
    requests: number;
    hungUp: number;
    completed: number;
    lastBody: unknown;
    lastHeaders: Record<string, string>;
  };
}

/** A unique scenario id per test, so the shared fake provider's logs never mix. */
export const uniqueId = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

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

/** Polls the fake provider until `check` holds; bounded, for effects that land asynchronously. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

export function errorFrame(frames: SseFrame[]) {
  return frames.find((f) => f.json?.error)?.json.error as { code: string; message: string; type: string } | undefined;
}
