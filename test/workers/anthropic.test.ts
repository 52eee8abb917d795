import { describe, expect, it } from 'vitest';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, contentOf, errorFrame, readSse } from './gateway';

const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;

describe('anthropic provider (Messages API upstream, OpenAI shape to the client)', () => {
  it('streams text with usage and the mapped finish reason', async () => {
    const res = await callGateway({
      body: chat(anthropic({ id: uniqueId('a-text'), tokens: 3 }), {
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(res.status).toBe(200);
    const frames = await readSse(res);
    expect(contentOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(frames.find((f) => f.json?.choices?.[0]?.finish_reason)?.json.choices[0].finish_reason).toBe('stop');
    expect(frames.at(-2)?.json.usage).toMatchObject({ completion_tokens: 3 });
    expect(frames.at(-2)?.json.usage.prompt_tokens).toBeGreaterThan(0);
    expect(frames.at(-1)?.data).toBe('[DONE]');
  });

  it('sends a valid Messages request with the key and version headers', async () => {
    const id = uniqueId('a-req');
    await readSse(
      await callGateway({
        body: chat(anthropic({ id }), {
          stream: true,
          max_tokens: 64,
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Hi' },
          ],
        }),
      }),
    );
    const log = await fakeLog(id);
    expect(log.lastHeaders['x-api-key']).toBe('test-anthropic-key');
    expect(log.lastHeaders['anthropic-version']).toBe('2023-06-01');
    expect(log.lastBody).toMatchObject({
      model: `fake;id=${id}`,
      max_tokens: 64,
      stream: true,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('turns tool_use blocks into OpenAI tool calls', async () => {
    const tools = [{ type: 'function', function: { name: TOOL_NAME, parameters: { type: 'object' } } }];
    const body = (await (
      await callGateway({ body: chat(anthropic({ id: uniqueId('a-tool'), tool: 1 }), { tools }) })
    ).json()) as any;
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(body.choices[0].message.tool_calls[0]).toMatchObject({
      type: 'function',
      function: { name: TOOL_NAME, arguments: TOOL_ARGS },
    });
  });

  it('relays an error event mid-stream as an error, not a clean end', async () => {
    const frames = await readSse(
      await callGateway({
        body: chat(anthropic({ id: uniqueId('a-err'), tokens: 5, error_after: 2 }), { stream: true }),
      }),
    );
    expect(contentOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)?.code).toBe('upstream_overloaded_error');
  });

  it('reports a stream cut before message_stop as truncated', async () => {
    const frames = await readSse(
      await callGateway({
        body: chat(anthropic({ id: uniqueId('a-cut'), tokens: 4, reset_after: 2 }), { stream: true }),
      }),
    );
    expect(contentOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)?.code).toMatch(/^upstream_(truncated|unreachable)$/);
  });

  it('still retries an error that follows message_start but precedes any content', async () => {
    const id = uniqueId('a-prefill');
    const res = await callGateway({ body: chat(anthropic({ id, error_after: 0 }), { stream: true }) });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe('upstream_overloaded_error');
    expect((await fakeLog(id)).requests).toBe(3);
  });

  it('retries an overloaded first event and then reports a 502', async () => {
    const id = uniqueId('a-first');
    const res = await callGateway({ body: chat(anthropic({ id, error_first: 1 }), { stream: true }) });
    expect(res.status).toBe(502);
    expect((await fakeLog(id)).requests).toBe(3);
  });
});
