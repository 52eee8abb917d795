import { describe, expect, it } from 'vitest';
import { callGateway, chat, fakeEnv } from './gateway';

async function expectError(
  res: Response,
  status: number,
  error: { param?: string | null; code?: string; type?: string },
) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as any;
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject(error);
  return body.error as { message: string };
}

describe('request validation', () => {
  it('rejects a body that is not JSON', async () => {
    await expectError(await callGateway({ rawBody: '{"model":' }), 400, { code: 'invalid_json', param: null });
  });

  it('names a missing required field', async () => {
    await expectError(await callGateway({ body: { model: 'sim/default' } }), 400, { param: 'messages' });
  });

  it('names a field of the wrong type by its path', async () => {
    await expectError(await callGateway({ body: chat('sim/default', { temperature: 'hot' }) }), 400, {
      param: 'temperature',
    });
    await expectError(
      await callGateway({ body: { model: 'sim/default', messages: [{ role: 'user', content: 42 }] } }),
      400,
      { param: 'messages[0].content' },
    );
  });

  it('names a field of the wrong type inside a content part it knows, and bounds the model name', async () => {
    const part = { role: 'user', content: [{ type: 'image_url', image_url: { url: 7 } }] };
    await expectError(await callGateway({ body: { model: 'sim/fast', messages: [part] } }), 400, {
      param: 'messages[0].content[0].image_url.url',
      code: 'invalid_field',
    });
    await expectError(await callGateway({ body: chat(`sim/${'x'.repeat(300)}`) }), 400, { param: 'model' });
  });

  it('rejects n > 1, which would change the result', async () => {
    await expectError(await callGateway({ body: chat('sim/default', { n: 2 }) }), 400, { param: 'n' });
  });

  it('rejects a model not addressed as provider/model', async () => {
    await expectError(await callGateway({ body: chat('gpt-4o') }), 400, { param: 'model', code: 'invalid_model' });
  });

  it('treats names that only an object prototype has as unknown models, not as aliases', async () => {
    for (const model of ['constructor', 'toString', 'hasOwnProperty'])
      await expectError(await callGateway({ body: chat(model) }), 400, { param: 'model', code: 'invalid_model' });
  });

  it('answers 404 for an unknown provider', async () => {
    await expectError(await callGateway({ body: chat('nope/model') }), 404, {
      param: 'model',
      code: 'model_not_found',
    });
  });

  it('tells which variable to set for a provider that is not configured', async () => {
    const error = await expectError(await callGateway({ body: chat('groq/llama-3.3-70b-versatile') }), 400, {
      code: 'provider_not_configured',
    });
    expect(error.message).toContain('GROQ_API_KEY');
  });

  it('refuses a body over the limit with 413, also without Content-Length', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024 + 1);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(
          new TextEncoder().encode(`{"model":"sim/default","messages":[{"role":"user","content":"${big}"}]}`),
        );
        controller.close();
      },
    });
    const res = await callGateway({ rawBody: body as unknown as string });
    await expectError(res, 413, { code: 'request_too_large' });
  });

  it('answers unknown routes with a 404 in the error shape', async () => {
    await expectError(await callGateway({ path: '/v1/nothing-here' }), 404, { code: 'route_not_found' });
  });

  it('rejects an invalid gateway configuration with a 500 that names the field, not the value', async () => {
    const env = fakeEnv({ STREAM_IDLE_TIMEOUT_MS: 'soon' });
    const error = await expectError(await callGateway({ body: chat('sim/fast'), env }), 500, {
      code: 'gateway_misconfigured',
    });
    expect(error.message).toContain('STREAM_IDLE_TIMEOUT_MS');
  });
});

describe('GET /healthz and /v1/models', () => {
  it('reports health', async () => {
    const res = await callGateway({ path: '/healthz' });
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('lists the models of every configured provider and the aliases', async () => {
    const env = fakeEnv({
      LOCAL_MODELS: 'llama-local,qwen-local',
      GATEWAY_CONFIG: JSON.stringify({ aliases: { fast: { targets: ['local/llama-local', 'sim/fast'] } } }),
    });
    const body = (await (await callGateway({ path: '/v1/models', env })).json()) as any;
    const ids = body.data.map((m: any) => m.id);
    expect(body.object).toBe('list');
    expect(ids).toEqual(expect.arrayContaining(['local/llama-local', 'local/qwen-local', 'sim/default', 'fast']));
    expect(ids.some((id: string) => id.startsWith('anthropic/'))).toBe(true);
    expect(ids.some((id: string) => id.startsWith('groq/'))).toBe(false);
  });
});
