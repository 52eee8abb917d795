import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, fakeEnv } from '../workers/gateway';
import { local, recordFor, recordOfResponse } from './support';

/** The error body of a refused request, and proof that the fake provider never heard of it. */
async function refused(res: Response, id: string) {
  const body = (await res.json()) as { error: { code: string; param: string | null; type: string; message: string } };
  expect((await fakeLog(id)).requests).toBe(0);
  return body.error;
}

describe('invalid requests are refused before any upstream call', () => {
  it('a body that is not JSON: 400 invalid_json', async () => {
    const id = uniqueId('rel-bad-json');
    const res = await callGateway({ rawBody: `{"model":"${local({ id })}","stream":true,"messages":[{"role":` });
    expect(res.status).toBe(400);
    expect(await refused(res, id)).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
  });

  it('wrong types: 400 naming the field (`temperature`, `messages`, `messages[0].content`)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ temperature: 'hot' }, 'temperature'],
      [{ messages: 'Hello' }, 'messages'],
      [{ messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
      [{ stream: 'yes' }, 'stream'],
    ];
    for (const [extra, param] of cases) {
      const id = uniqueId('rel-bad-type');
      const res = await callGateway({ body: chat(local({ id }), extra) });
      expect(res.status).toBe(400);
      expect(await refused(res, id)).toMatchObject({ code: 'invalid_field', param });
    }
  });

  it('a field the provider has no equivalent for: 400 unsupported_parameter naming it, not silently dropped', async () => {
    const id = uniqueId('rel-unknown-field');
    const res = await callGateway({ body: chat(`anthropic/${scenario({ id })}`, { logit_bias: { 50256: -100 } }) });
    expect(res.status).toBe(400);
    const error = await refused(res, id);
    expect(error).toMatchObject({ code: 'unsupported_parameter', param: 'logit_bias' });
    expect(error.message).toContain("'anthropic'");
  });

  it('100,000 messages: 400 naming `messages`, answered quickly, no upstream call', async () => {
    const id = uniqueId('rel-huge-array');
    const messages = Array.from({ length: 100_000 }, () => ({ role: 'user', content: 'x' }));
    const started = Date.now();
    const res = await callGateway({ body: { model: local({ id }), stream: true, messages } });
    expect(res.status).toBe(400);
    expect(await refused(res, id)).toMatchObject({ code: 'invalid_field', param: 'messages' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a body over 10 MiB: 413 request_too_large, no upstream call', async () => {
    const id = uniqueId('rel-too-large');
    const res = await callGateway({
      body: chat(local({ id }), { messages: [{ role: 'user', content: 'x'.repeat(10 * 1024 * 1024 + 1) }] }),
    });
    expect(res.status).toBe(413);
    expect(await refused(res, id)).toMatchObject({ code: 'request_too_large' });
    // Refused before the body was read, so the record has no model: found by the request id.
    expect(await recordOfResponse(res)).toMatchObject({
      route: '/v1/chat/completions',
      model: '',
      status: 413,
      outcome: 'rejected',
      error: 'request_too_large',
    });
  });

  it('an unknown provider: 404 model_not_found, recorded rejected', async () => {
    const model = `${uniqueId('noprovider')}/some-model`;
    const res = await callGateway({ body: chat(model, { stream: true }) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(await recordFor(model)).toMatchObject({ status: 404, outcome: 'rejected', error: 'model_not_found' });
  });

  it('a model that is neither provider/model nor an alias: 400 invalid_model, recorded rejected', async () => {
    const model = uniqueId('no-slash');
    const res = await callGateway({ body: chat(model) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'invalid_model', param: 'model' });
    expect(await recordFor(model)).toMatchObject({ status: 400, outcome: 'rejected', error: 'invalid_model' });
  });

  it('a provider whose key is missing: 400 naming the variable to set, recorded rejected, before any upstream call', async () => {
    const model = `openai/${uniqueId('gpt')}`;
    const env = fakeEnv({ OPENAI_API_KEY: undefined, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    const res = await callGateway({ body: chat(model, { stream: true }), env });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as any).error;
    expect(error).toMatchObject({ code: 'provider_not_configured', param: 'model' });
    expect(error.message).toContain('OPENAI_API_KEY');
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 400, outcome: 'rejected', error: 'provider_not_configured' });
    expect(record.provider).toBeUndefined();
  });

  it('on /v1/messages a body that is not JSON gets an Anthropic-shaped 400', async () => {
    const id = uniqueId('rel-bad-json-anth');
    const res = await callGateway({ path: '/v1/messages', rawBody: `{"model":"anthropic/${id}",` });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((await fakeLog(id)).requests).toBe(0);
  });
});
