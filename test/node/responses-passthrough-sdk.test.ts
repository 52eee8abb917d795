import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, fakeUrl, uniqueId, untilHungUp } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

let gateway: RunningGateway;
beforeAll(async () => {
  gateway = await startGateway({
    LOCAL_BASE_URL: `${fakeUrl()}/v1`,
    // The fake serves POST /v1/responses: `local` passes Responses traffic through to it.
    LOCAL_RESPONSES_API: 'true',
    UPSTREAM_MAX_RETRIES: '0',
  });
});
afterAll(() => gateway?.dispose());

const client = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'not-needed-locally', maxRetries: 0 });
const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;

describe('the openai SDK, responses API, passed through to a provider that serves it', () => {
  it('responses.create: output_text and usage from the upstream, which got the Responses body', async () => {
    const id = uniqueId('sdkp-text');
    const response = await client().responses.create({ model: local({ id, tokens: 3 }), input: 'Hello' });
    expect(response).toMatchObject({ status: 'completed', model: local({ id, tokens: 3 }) });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe('tok0 tok1 tok2 ');
    expect(response.usage?.output_tokens).toBe(3);
    expect((await fakeLog(id)).lastBody).toMatchObject({ input: 'Hello', store: false, stream: true });
  });

  it('responses.stream: every upstream event, reasoning summary included, and the final response', async () => {
    const model = local({ id: uniqueId('sdkp-fid'), replay: 'responses-fidelity' });
    const stream = client().responses.stream({ model, input: 'Weather in Paris?' });
    const types: string[] = [];
    let summary = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.reasoning_summary_text.delta') summary += event.delta;
    }
    const final = await stream.finalResponse();
    expect(summary).toBe('**Weather** look up Paris');
    expect(types).toContain('response.output_text.annotation.added');
    expect(final.output_text).toBe('Grüße aus Paris 東京!');
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(final.usage).toMatchObject({
      input_tokens_details: { cached_tokens: 12 },
      output_tokens_details: { reasoning_tokens: 8 },
    });
  });

  it('round-trips a function tool through the passthrough', async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: 'function', name: TOOL_NAME, parameters: { type: 'object' }, strict: false },
    ];
    const first = await client().responses.create({
      model: local({ id: uniqueId('sdkp-call'), tool: 1 }),
      input: 'Weather in Paris?',
      tools,
    });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(JSON.parse(call.arguments)).toEqual(JSON.parse(TOOL_ARGS));
    const id = uniqueId('sdkp-answer');
    const second = await client().responses.create({
      model: local({ id, tool_then_answer: 1 }),
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '22C' }],
      tools,
    });
    expect(second.output_text).toBe('The tool said: 22C');
    const sent = (await fakeLog(id)).lastBody as { input: { type?: string }[] };
    expect(sent.input.map((item) => item.type ?? 'message')).toEqual([
      'message',
      'function_call',
      'function_call_output',
    ]);
  });

  it('background: runs in the object on the passthrough, resumable, and cancel aborts the upstream', async () => {
    const id = uniqueId('sdkp-bg');
    const queued = await client().responses.create({
      model: local({ id, tokens: 200, gap: 20 }),
      input: 'Hello',
      background: true,
    });
    expect(queued).toMatchObject({ status: 'queued', background: true });
    const stream = await client().responses.retrieve(queued.id, { stream: true, starting_after: -1 });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length >= 6) break;
    }
    stream.controller.abort();
    expect(events[0]).toMatchObject({ type: 'response.created', response: { id: queued.id, background: true } });
    expect(events.some((e) => e.type === 'response.output_text.delta')).toBe(true);
    const sent = (await fakeLog(id)).lastBody as Record<string, unknown>;
    expect(sent).toMatchObject({ input: 'Hello', store: false });
    expect(sent.background).toBeUndefined();
    expect((await client().responses.cancel(queued.id)).status).toBe('cancelled');
    expect((await untilHungUp(id)).hungUp).toBe(1);
  });
});
