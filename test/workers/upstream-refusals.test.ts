import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, fakeEnv } from './gateway';

const noRetries = fakeEnv({ UPSTREAM_MAX_RETRIES: '0' });
const chat = (model: string) => ({ model, messages: [{ role: 'user', content: 'Hello' }] });
const failing = (provider: string, opts: Record<string, string | number>) =>
  `${provider}/${scenario({ id: uniqueId('refusal'), ...opts })}`;

describe("a request the provider refuses reaches the client with the provider's reasons", () => {
  it('400 context_length_exceeded: status, type, code, param and message, and the upstream request id', async () => {
    const res = await callGateway({ body: chat(failing('local', { status: 400 })), env: noRetries });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as any;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
    expect(error.message).toContain("Provider 'local'");
    expect(error.message).toContain('maximum context length is 128000 tokens');
    expect(res.headers.get('x-infe-upstream-request-id')).toMatch(/^req_fake\d+$/);
  });

  it('422 keeps its status and param; a key-like string the provider echoed is scrubbed', async () => {
    const res = await callGateway({ body: chat(failing('local', { status: 422 })), env: noRetries });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as any;
    expect(error).toMatchObject({ code: 'invalid_value', param: 'temperature' });
    expect(error.message).toContain('Invalid temperature');
    expect(error.message).not.toContain('sk-proj');
    expect(error.message).toContain('[redacted]');
  });

  it('413 and 404 keep their statuses', async () => {
    const tooLarge = await callGateway({ body: chat(failing('local', { status: 413 })), env: noRetries });
    expect(tooLarge.status).toBe(413);
    const missing = await callGateway({ body: chat(failing('local', { status: 404 })), env: noRetries });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it("429 keeps Retry-After and carries the provider's type, code and message", async () => {
    const res = await callGateway({ body: chat(failing('local', { status: 429, retry_after: 2 })), env: noRetries });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    const { error } = (await res.json()) as any;
    expect(error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(error.message).toContain('Rate limit reached for requests');
  });

  it("401 from the provider (the gateway's own key) stays a generic 502 without the provider's words", async () => {
    const res = await callGateway({ body: chat(failing('local', { status: 401 })), env: noRetries });
    expect(res.status).toBe(502);
    const { error } = (await res.json()) as any;
    expect(error.code).toBe('upstream_auth_failed');
    expect(error.message).not.toContain('Incorrect API key');
  });

  it('on /v1/messages the refusal is Anthropic-shaped, with the upstream request id', async () => {
    const res = await callGateway({
      path: '/v1/messages',
      body: {
        model: failing('anthropic', { status: 400 }),
        max_tokens: 8,
        messages: [{ role: 'user', content: 'Hi' }],
      },
      env: noRetries,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.error.message).toContain('Request failed (invalid_request_error)');
    expect(res.headers.get('x-infe-upstream-request-id')).toBe('req_fakeprovider0001');
  });
});

describe('POST /v1/messages/count_tokens', () => {
  const body = (model: string) => ({
    model,
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'How many tokens is this?' }],
    thinking: { type: 'enabled', budget_tokens: 2048 },
  });

  it('is forwarded to Anthropic as sent, with the provider model id and the client beta header', async () => {
    const id = uniqueId('count');
    const res = await callGateway({
      path: '/v1/messages/count_tokens',
      body: body(`anthropic/${scenario({ id })}`),
      headers: { 'anthropic-beta': 'token-counting-2024-11-01' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-infe-estimate')).toBeNull();
    const counted = (await res.json()) as { input_tokens: number };
    expect(counted.input_tokens).toBeGreaterThan(0);
    const log = await fakeLog(id);
    expect(log.lastBody).toEqual({ ...body(scenario({ id })) });
    expect(log.lastHeaders['anthropic-beta']).toBe('token-counting-2024-11-01');
  });

  it('is an estimate, marked as one, for other providers', async () => {
    const id = uniqueId('count-est');
    const res = await callGateway({ path: '/v1/messages/count_tokens', body: body(`local/${scenario({ id })}`) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-infe-estimate')).toBe('true');
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    expect((await fakeLog(id)).requests).toBe(0);
  });

  it('names a bad field in the Anthropic error shape', async () => {
    const res = await callGateway({
      path: '/v1/messages/count_tokens',
      body: { model: 'anthropic/x', messages: 'Hi' },
    });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as any).error;
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain("'messages'");
  });
});
