import { describe, expect, it } from 'vitest';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, contentOf, readSse } from './gateway';

describe('POST /v1/chat/completions through an OpenAI-dialect provider', () => {
  it('streams every token, then the finish chunk and [DONE]', async () => {
    const model = `local/${scenario({ id: uniqueId('stream'), tokens: 4 })}`;
    const res = await callGateway({ body: chat(model, { stream: true }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = await readSse(res);
    expect(contentOf(frames)).toBe('tok0 tok1 tok2 tok3 ');
    expect(frames[0]?.json.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(frames.at(-2)?.json.choices[0].finish_reason).toBe('stop');
    expect(frames.at(-1)?.data).toBe('[DONE]');
    const ids = new Set(frames.filter((f) => f.json).map((f) => f.json.id));
    expect([...ids]).toEqual([`chatcmpl-${res.headers.get('x-request-id')}`]);
    expect(frames.filter((f) => f.json).every((f) => f.json.model === model)).toBe(true);
  });

  it('relays a stream the provider writes one byte at a time unchanged', async () => {
    const res = await callGateway({
      body: chat(`local/${scenario({ id: uniqueId('bytes'), tokens: 6, chunk: 1 })}`, { stream: true }),
    });
    const frames = await readSse(res);
    expect(contentOf(frames)).toBe('tok0 tok1 tok2 tok3 tok4 tok5 ');
    expect(frames.at(-1)?.data).toBe('[DONE]');
  });

  it('sends the usage chunk before [DONE] only when stream_options.include_usage is set', async () => {
    const model = `local/${scenario({ id: uniqueId('usage'), tokens: 3 })}`;
    const withUsage = await readSse(
      await callGateway({ body: chat(model, { stream: true, stream_options: { include_usage: true } }) }),
    );
    const usageFrame = withUsage.at(-2)?.json;
    expect(usageFrame.choices).toEqual([]);
    expect(usageFrame.usage).toMatchObject({ completion_tokens: 3 });
    expect(usageFrame.usage.total_tokens).toBe(usageFrame.usage.prompt_tokens + 3);

    const without = await readSse(await callGateway({ body: chat(model, { stream: true }) }));
    expect(without.some((f) => f.json?.usage)).toBe(false);
  });

  it('answers stream: false with one assembled chat.completion', async () => {
    const res = await callGateway({ body: chat(`local/${scenario({ id: uniqueId('json'), tokens: 3 })}`) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message).toMatchObject({ role: 'assistant', content: 'tok0 tok1 tok2 ' });
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage.completion_tokens).toBe(3);
  });

  it('streams tool calls as OpenAI tool_call deltas and assembles them when not streaming', async () => {
    const model = `local/${scenario({ id: uniqueId('tool'), tool: 1 })}`;
    const tools = [{ type: 'function', function: { name: TOOL_NAME, parameters: { type: 'object' } } }];
    const frames = await readSse(await callGateway({ body: chat(model, { stream: true, tools }) }));
    const deltas = frames.flatMap((f) => f.json?.choices?.[0]?.delta?.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: TOOL_NAME } });
    expect(deltas.map((d: any) => d.function.arguments).join('')).toBe(TOOL_ARGS);
    expect(frames.at(-2)?.json.choices[0].finish_reason).toBe('tool_calls');

    const body = (await (await callGateway({ body: chat(model, { tools }) })).json()) as any;
    expect(body.choices[0].message.content).toBeNull();
    expect(body.choices[0].message.tool_calls[0].function).toEqual({ name: TOOL_NAME, arguments: TOOL_ARGS });
  });

  it('forwards the OpenAI parameters upstream with the provider prefix removed', async () => {
    const id = uniqueId('params');
    const request = chat(`local/${scenario({ id })}`, {
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 50,
      stop: ['END'],
      seed: 7,
      user: 'u-1',
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    });
    await readSse(await callGateway({ body: request }));
    const { lastBody } = await fakeLog(id);
    expect(lastBody).toMatchObject({
      model: `fake;id=${id}`,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ['END'],
      seed: 7,
      user: 'u-1',
      response_format: { type: 'json_object' },
      messages: request.messages,
    });
  });
});
