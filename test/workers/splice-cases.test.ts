import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { parseSse, recordFor } from '../reliability/support';
import { fakeLog, fakeUrl, uniqueId } from '../support/fake-control';
import { callGateway, chat, contentOf, errorFrame, fakeEnv, readSse } from './gateway';

const reply = (tokens: number) => Array.from({ length: tokens }, (_, i) => `tok${i} `).join('');
const SPLICE = { mode: 'splice' };

/** The fake provider behind every provider a test names, splicing gateway-wide unless told otherwise. */
function env(config: Record<string, unknown> = { resume: SPLICE }) {
  const v1 = `${fakeUrl()}/v1`;
  return fakeEnv({
    UPSTREAM_MAX_RETRIES: '0',
    STREAM_IDLE_TIMEOUT_MS: '150',
    ...{ DEEPSEEK_API_KEY: 'k', DEEPSEEK_BASE_URL: v1, MISTRAL_API_KEY: 'k', MISTRAL_BASE_URL: v1 },
    ...{ GROQ_API_KEY: 'k', GROQ_BASE_URL: v1 },
    GATEWAY_CONFIG: JSON.stringify(config),
  });
}

async function stream(model: string, config?: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await callGateway({ body: chat(model, { stream: true, ...extra }), env: env(config) });
  expect(res.status).toBe(200);
  return readSse(res);
}

const lastMessage = async (id: string) =>
  ((await fakeLog(id)).lastBody as { messages: Array<Record<string, unknown>> }).messages.at(-1);

describe('each provider continues on its own switch, on the same target', () => {
  it('local: vLLM continue_final_message with add_generation_prompt off', async () => {
    const id = uniqueId('local');
    const frames = await stream(`local/${scenario({ id, tokens: 12, reset_after: 5 })}`);
    expect(contentOf(frames)).toBe(reply(12));
    const log = await fakeLog(id);
    expect([log.requests, log.continuations]).toEqual([2, 1]);
    expect(log.lastBody).toMatchObject({ continue_final_message: true, add_generation_prompt: false });
    expect(await lastMessage(id)).toEqual({ role: 'assistant', content: reply(5) });
  });

  it('deepseek: prefix: true on the last assistant message', async () => {
    const id = uniqueId('deepseek');
    const frames = await stream(`deepseek/${scenario({ id, tokens: 12, truncate_after: 7 })}`);
    expect(contentOf(frames)).toBe(reply(12));
    expect(await lastMessage(id)).toEqual({ role: 'assistant', content: reply(7), prefix: true });
  });

  it('mistral: prefix: true, and the prefix its reply repeats is dropped', async () => {
    const model = `mistral/${scenario({ id: uniqueId('mistral'), tokens: 12, error_after: 4, echo: 1 })}`;
    const frames = await stream(model);
    expect(contentOf(frames)).toBe(reply(12));
    expect((await recordFor(model)).splices?.[0]).toMatchObject({ offsetChars: 20, overlapChars: 20 });
  });

  it('anthropic: a trailing assistant message, sent without its trailing space', async () => {
    const id = uniqueId('anthropic');
    const frames = await stream(`anthropic/${scenario({ id, tokens: 12, stall_after: 3 })}`);
    expect(contentOf(frames)).toBe(reply(12));
    expect(await lastMessage(id)).toEqual({ role: 'assistant', content: 'tok0 tok1 tok2' });
  });
});

describe('every client format sees one reply', () => {
  it('/v1/messages, from the same dialect and translated: one message, one text block, one stop', async () => {
    for (const provider of ['anthropic', 'local']) {
      const model = `${provider}/${scenario({ id: uniqueId('messages'), tokens: 10, error_after: 4 })}`;
      const res = await callGateway({
        path: '/v1/messages',
        body: { model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hello' }] },
        env: env(),
      });
      const frames = parseSse(await res.text());
      const count = (type: string) => frames.filter((f) => f.event === type).length;
      const text = frames.map((f) => (f.event === 'content_block_delta' ? f.json.delta.text : '')).join('');
      expect(text, provider).toBe(reply(10));
      for (const type of ['message_start', 'content_block_start', 'content_block_stop', 'message_stop'])
        expect(count(type), `${provider}: ${type}`).toBe(1);
      expect(count('error')).toBe(0);
    }
  });

  it('plain text', async () => {
    const model = `local/${scenario({ id: uniqueId('text'), tokens: 10, truncate_after: 6 })}`;
    const res = await callGateway({
      body: chat(model, { stream: true }),
      env: env(),
      headers: { accept: 'text/plain' },
    });
    expect(await res.text()).toBe(reply(10));
  });
});

describe('where splicing cannot help, the honest error of today stands', () => {
  it('a provider that cannot continue (groq) is never asked to', async () => {
    const id = uniqueId('groq');
    const frames = await stream(`groq/${scenario({ id, tokens: 12, reset_after: 5 })}`);
    expect(contentOf(frames)).toBe(reply(5));
    expect(errorFrame(frames)?.code).toBe('upstream_unreachable');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('a failure inside a tool call arguments', async () => {
    const id = uniqueId('tool');
    const frames = await stream(`local/${scenario({ id, tool: 1, reset_after: 2 })}`);
    expect(errorFrame(frames)?.code).toBe('upstream_unreachable');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it("a Responses stream relayed from the provider's own Responses API", async () => {
    const id = uniqueId('passthrough');
    const res = await callGateway({
      path: '/v1/responses',
      body: { model: `local/${scenario({ id, tokens: 8, reset_after: 3 })}`, input: 'Hello', stream: true },
      env: { ...env(), LOCAL_RESPONSES_API: 'true' },
    });
    const events = [...(await res.text()).matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    expect(events.slice(-2)).toEqual(['response.failed', 'error']);
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('a continuation that cannot connect: the honest error, and the record keeps the attempt that streamed and its cost', async () => {
    const first = `groq/${scenario({ id: uniqueId('streamed'), tokens: 12, reset_after: 5 })}`;
    const second = `anthropic/${scenario({ id: uniqueId('down'), status: 500 })}`;
    const alias = uniqueId('unconnected');
    const prices = { [first]: { input: 2, output: 10 }, [second]: { input: 3, output: 15 } };
    const frames = await stream(alias, { aliases: { [alias]: { targets: [first, second], resume: SPLICE } }, prices });
    expect(contentOf(frames)).toBe(reply(5));
    expect(errorFrame(frames)?.code).toBe('upstream_unreachable');
    const record = await recordFor(alias);
    expect(record).toMatchObject({ provider: 'groq', providerModel: first.slice('groq/'.length) });
    expect(record.attempts.map((a) => [a.provider, a.error === undefined, a.splice])).toEqual([
      ['groq', true, undefined],
      ['anthropic', false, 1],
    ]);
    expect(record.cost?.usd).toBeGreaterThan(0);
  });

  it('an error after the finish is not spliced: the reply ends as it does with splice off, with one finish', async () => {
    for (const provider of ['anthropic', 'local']) {
      const ends = [];
      for (const config of [{}, { resume: SPLICE }]) {
        const id = uniqueId(provider);
        const frames = await stream(`${provider}/${scenario({ id, tokens: 6, error_after_finish: 1 })}`, config);
        expect(contentOf(frames), provider).toBe(reply(6));
        const finish = frames.findIndex((f) => f.json?.choices?.[0]?.finish_reason);
        expect(frames.filter((f) => f.json?.choices?.[0]?.finish_reason).length, provider).toBe(1);
        expect(
          frames.slice(finish).some((f) => f.json?.choices?.[0]?.delta?.content),
          provider,
        ).toBe(false);
        expect((await fakeLog(id)).requests, provider).toBe(1);
        ends.push([errorFrame(frames)?.code, frames.at(-1)?.data]);
      }
      expect(ends[1], provider).toEqual(ends[0]);
    }
  });

  it('more failures than max_splices', async () => {
    const targets = (ids: string[]) => [
      `local/${scenario({ id: ids[0] as string, tokens: 12, reset_after: 3 })}`,
      `anthropic/${scenario({ id: ids[1] as string, tokens: 12, reset_after: 6 })}`,
      `local/${scenario({ id: ids[2] as string, tokens: 12 })}`,
    ];
    const once = ['a', 'b', 'c'].map(uniqueId);
    const cut = await stream('twice', {
      aliases: { twice: { targets: targets(once), resume: { ...SPLICE, max_splices: 1 } } },
    });
    expect(contentOf(cut)).toBe(reply(6));
    expect(errorFrame(cut)?.code).toBe('upstream_unreachable');
    expect((await fakeLog(once[2] as string)).requests).toBe(0);

    const twice = ['a', 'b', 'c'].map(uniqueId);
    const whole = await stream('twice', { aliases: { twice: { targets: targets(twice), resume: SPLICE } } });
    expect(contentOf(whole)).toBe(reply(12));
    expect(errorFrame(whole)).toBeUndefined();
  });
});

describe('the stages keep their state across the splice', () => {
  it('the guard redacts an email the splice cuts through, at every point', async () => {
    const text = 'Write to ops.team@example.com or call later today, thanks.';
    const guard = { rules: [{ id: 'email', kind: 'detector', detector: 'email', action: 'redact' }] };
    const redacted = 'Write to [REDACTED:email] or call later today, thanks.';
    for (let at = 1; at < Math.ceil(text.length / 3); at++) {
      const model = `local/${scenario({ id: uniqueId('guard'), text, unit: 3, reset_after: at })}`;
      const frames = await stream(model, { resume: SPLICE, pipeline: { guard } });
      expect(contentOf(frames), `cut after unit ${at}`).toBe(redacted);
    }
  });

  it('the structured parser validates JSON the splice cuts through, at every tenth of it', async () => {
    const format = { response_format: { type: 'json_object' } };
    const units = Math.ceil((await plainJson()).length / 3);
    for (let at = 1; at < units; at += Math.ceil(units / 10)) {
      const model = `local/${scenario({ id: uniqueId('json'), json_chars: 160, truncate_after: at })}`;
      const res = await callGateway({
        body: chat(model, { stream: true, ...format }),
        env: env(),
        headers: { 'x-infe-annotations': '1' },
      });
      const frames = await readSse(res);
      expect(contentOf(frames)).toBe(await plainJson());
      const verdict = frames.find((f) => f.json?.infe?.type === 'structured-result')?.json.infe;
      expect(verdict, `cut after unit ${at}`).toMatchObject({ valid: true, errors: [] });
    }
  });

  it('a non-streaming request is spliced alike', async () => {
    const model = `anthropic/${scenario({ id: uniqueId('collect'), tokens: 9, reset_after: 4 })}`;
    const res = await callGateway({ body: chat(model), env: env() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string }; finish_reason: string }> };
    expect(body.choices[0]).toMatchObject({ message: { content: reply(9) }, finish_reason: 'stop' });
  });
});

/** The fake's JSON reply of 160 characters, uninterrupted. */
let json: string | undefined;
async function plainJson(): Promise<string> {
  json ??= contentOf(await stream(`local/${scenario({ id: uniqueId('json-plain'), json_chars: 160 })}`));
  return json;
}
