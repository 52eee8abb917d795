import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { recordFor } from '../reliability/support';
import { fakeLog, fakeUrl, uniqueId, untilHungUp } from '../support/fake-control';
import { callGateway, chat, contentOf, fakeEnv, readSse } from './gateway';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;

function withPipeline(pipeline: unknown, extra: Record<string, unknown> = {}) {
  return fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ pipeline }), ...extra });
}

const annotations = { 'x-infe-annotations': '1' };
const infeOf = (frames: Awaited<ReturnType<typeof readSse>>, type: string) =>
  frames.filter((f) => f.json?.infe?.type === type).map((f) => f.json.infe);

describe('guard stage through the gateway', () => {
  const policy = {
    rules: [
      { id: 'codename', kind: 'phrase', phrases: ['project falcon'], action: 'redact' },
      { id: 'secret', kind: 'phrase', phrases: ['launch code'], action: 'block' },
      { id: 'email', kind: 'detector', detector: 'email', action: 'redact' },
    ],
  };

  it('redacts a phrase and an email that span deltas, whatever the chunking', async () => {
    const text = 'About Project Falcon: write to ops@example.com today.';
    for (const opts of [{ unit: 3 }, { unit: 1 }, { unit: 5, chunk: 1 }] as Array<Record<string, number>>) {
      const frames = await readSse(
        await callGateway({
          body: chat(local({ id: uniqueId('redact'), text, ...opts }), { stream: true }),
          env: withPipeline({ guard: policy }),
          headers: annotations,
        }),
      );
      expect(contentOf(frames)).toBe('About [REDACTED:codename]: write to [REDACTED:email] today.');
      expect(infeOf(frames, 'guard').map((g) => g.rule)).toEqual(['codename', 'email']);
      expect(frames.at(-1)?.data).toBe('[DONE]');
    }
  });

  it('blocks: the stream ends cleanly with content_filter and the upstream is aborted', async () => {
    const id = uniqueId('block');
    const text = 'The launch code is 0000. More words follow. ';
    const frames = await readSse(
      await callGateway({
        body: chat(local({ id, text, repeat: 20, gap: 5 }), { stream: true }),
        env: withPipeline({ guard: policy }),
      }),
    );
    expect(contentOf(frames)).toBe('The ');
    expect(frames.find((f) => f.json?.choices?.[0]?.finish_reason)?.json.choices[0].finish_reason).toBe(
      'content_filter',
    );
    expect(frames.at(-1)?.data).toBe('[DONE]');
    expect((await untilHungUp(id)).hungUp).toBe(1);
  });

  it('guards the prompt: redacts before the provider sees it, and refuses a blocked prompt with 400', async () => {
    const id = uniqueId('input');
    await readSse(
      await callGateway({
        body: chat(local({ id }), { stream: true, messages: [{ role: 'user', content: 'Mail me at a@b.io' }] }),
        env: withPipeline({ guard: policy }),
      }),
    );
    expect(((await fakeLog(id)).lastBody as any).messages[0].content).toBe('Mail me at [REDACTED:email]');

    const blocked = uniqueId('input-block');
    const res = await callGateway({
      body: chat(local({ id: blocked }), { messages: [{ role: 'user', content: 'What is the launch code?' }] }),
      env: withPipeline({ guard: policy }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'input_blocked' });
    expect((await fakeLog(blocked)).requests).toBe(0);
  });

  it('redacts a /v1/messages prompt in the body sent as is to Anthropic, and in the translation to OpenAI', async () => {
    const body = (model: string) => ({
      model,
      max_tokens: 16,
      system: [{ type: 'text', text: 'Reply to a@b.io', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Mail me at a@b.io', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    const anthropicId = uniqueId('input-native');
    const native = await callGateway({
      path: '/v1/messages',
      body: body(`anthropic/${scenario({ id: anthropicId, tokens: 1 })}`),
      env: withPipeline({ guard: policy }),
    });
    await native.text();
    const sent = (await fakeLog(anthropicId)).lastBody as any;
    expect(sent.system).toEqual([
      { type: 'text', text: 'Reply to [REDACTED:email]', cache_control: { type: 'ephemeral' } },
    ]);
    expect(sent.messages[0].content).toEqual([
      { type: 'text', text: 'Mail me at [REDACTED:email]', cache_control: { type: 'ephemeral' } },
    ]);

    const localId = uniqueId('input-translated');
    const translated = await callGateway({
      path: '/v1/messages',
      body: body(local({ id: localId, tokens: 1 })),
      env: withPipeline({ guard: policy }),
    });
    await translated.text();
    expect(((await fakeLog(localId)).lastBody as any).messages).toEqual([
      { role: 'system', content: 'Reply to [REDACTED:email]' },
      { role: 'user', content: 'Mail me at [REDACTED:email]' },
    ]);
  });

  it('lets a request turn the guard off only when the config allows it', async () => {
    const text = 'Project Falcon';
    const refused = await callGateway({
      body: chat(local({ id: uniqueId('off'), text }), { infe: { guard: 'off' } }),
      env: withPipeline({ guard: policy }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).error).toMatchObject({ code: 'override_not_allowed', param: 'infe.guard' });
    const allowed = await callGateway({
      body: chat(local({ id: uniqueId('off-ok'), text }), { infe: { guard: 'off' } }),
      env: withPipeline({ guard: policy, allow_overrides: { disable_guard: true } }),
    });
    expect(((await allowed.json()) as any).choices[0].message.content).toBe('Project Falcon');
  });

  it('records guard actions in the log record', async () => {
    const text = 'Project Falcon again';
    const model = local({ id: uniqueId('guard-log'), text });
    await readSse(await callGateway({ body: chat(model, { stream: true }), env: withPipeline({ guard: policy }) }));
    expect((await recordFor(model)).guard).toEqual([expect.objectContaining({ rule: 'codename', action: 'redact' })]);
  });
});

describe('structured output through the gateway', () => {
  const schema = {
    type: 'object',
    properties: { city: { type: 'string' }, temperature: { type: 'number' } },
    required: ['city', 'temperature'],
    additionalProperties: false,
  };
  const jsonSchema = { type: 'json_schema', json_schema: { name: 'weather', schema } };

  it('streams partial objects to clients that opt in, then the verdict before the finish', async () => {
    const text = '{"city": "Paris", "temperature": 21.5}';
    const frames = await readSse(
      await callGateway({
        body: chat(local({ id: uniqueId('json'), text }), {
          stream: true,
          response_format: jsonSchema,
          infe: { structured: { partial_objects: true } },
        }),
        headers: annotations,
      }),
    );
    expect(contentOf(frames)).toBe(text);
    const partials = infeOf(frames, 'partial-object');
    expect(partials.length).toBeGreaterThan(1);
    expect(partials.at(-1)?.value).toEqual({ city: 'Paris', temperature: 21.5 });
    expect(infeOf(frames, 'structured-result')).toEqual([
      { type: 'structured-result', valid: true, errors: [], stoppedEarly: false },
    ]);
  });

  it('sends plain OpenAI clients no annotation at all', async () => {
    const frames = await readSse(
      await callGateway({
        body: chat(local({ id: uniqueId('json-plain'), text: '{"city": "Oslo", "temperature": 3}' }), {
          stream: true,
          response_format: jsonSchema,
        }),
      }),
    );
    expect(frames.some((f) => f.json?.infe)).toBe(false);
  });

  it('stops early, aborting the upstream, when the prefix can never match the schema', async () => {
    const id = uniqueId('json-stop');
    const text = `{"city": 42, "temperature": 1111111111}`;
    const frames = await readSse(
      await callGateway({
        body: chat(local({ id, text, repeat: 20, gap: 5 }), {
          stream: true,
          response_format: jsonSchema,
          infe: { structured: { stop_on_invalid: true } },
        }),
        headers: annotations,
      }),
    );
    const verdict = infeOf(frames, 'structured-result')[0];
    expect(verdict).toMatchObject({ valid: false, stoppedEarly: true });
    expect(contentOf(frames).length).toBeLessThan(text.length * 20);
    expect(frames.at(-1)?.data).toBe('[DONE]');
    expect((await untilHungUp(id)).hungUp).toBe(1);
  });
});

describe('moderation hook through the gateway', () => {
  it('cuts the stream with a retraction and content_filter when a sentence is flagged', async () => {
    const id = uniqueId('moderation');
    const text = 'This part is fine. This part is forbidden. Then it goes on. ';
    const env = withPipeline({ moderation: { base_url: `${fakeUrl()}/v1` } });
    const frames = await readSse(
      await callGateway({
        body: chat(local({ id, text, repeat: 20, gap: 5 }), { stream: true }),
        env,
        headers: annotations,
      }),
    );
    const retract = infeOf(frames, 'retract')[0];
    expect(retract?.chars).toBeGreaterThan(0);
    expect(frames.find((f) => f.json?.choices?.[0]?.finish_reason)?.json.choices[0].finish_reason).toBe(
      'content_filter',
    );
    expect(contentOf(frames).length).toBeLessThan(text.length * 20);
    expect((await untilHungUp(id)).hungUp).toBe(1);
  });
});
