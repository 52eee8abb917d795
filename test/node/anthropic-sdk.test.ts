import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { gatewayForFile } from './gateway-for-file';

const gateway = gatewayForFile({ SIM_TTFT_MS: '0' });

const client = () => new Anthropic({ baseURL: gateway().url, apiKey: 'x', maxRetries: 0 });
const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;
const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hello' }];
const tools: Anthropic.Tool[] = [{ name: TOOL_NAME, description: 'Weather', input_schema: { type: 'object' } }];

describe('the official @anthropic-ai/sdk, unchanged, against the gateway', () => {
  it('streams text from an OpenAI-dialect provider with messages.stream', async () => {
    const stream = client().messages.stream({
      model: local({ id: uniqueId('sdk-a'), tokens: 5 }),
      max_tokens: 64,
      messages,
    });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    expect(text).toBe('tok0 tok1 tok2 tok3 tok4 ');
    expect(message.content).toEqual([{ type: 'text', text: 'tok0 tok1 tok2 tok3 tok4 ' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(5);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.id).toMatch(/^msg_/);
  });

  it('iterates raw events from an Anthropic provider with messages.create({ stream: true })', async () => {
    const stream = await client().messages.create({
      model: anthropic({ id: uniqueId('sdk-a-raw'), tokens: 3 }),
      max_tokens: 64,
      messages,
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let stopReason: string | null = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') stopReason = event.delta.stop_reason;
    }
    expect(text).toBe('tok0 tok1 tok2 ');
    expect(stopReason).toBe('end_turn');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
  });

  it('creates a message without streaming, from the embedded simulator', async () => {
    const message = await client().messages.create({ model: 'sim/fast', max_tokens: 4, messages });
    expect(message.content[0]?.type).toBe('text');
    expect((message.content[0] as Anthropic.TextBlock).text.split(' ')).toHaveLength(4);
    expect(message.stop_reason).toBe('max_tokens');
  });

  it('runs a tool_use round trip', async () => {
    const id = uniqueId('sdk-a-tool');
    const first = await client()
      .messages.stream({ model: local({ id, tool: 1 }), max_tokens: 64, messages, tools })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
    expect(call).toMatchObject({ name: TOOL_NAME, input: JSON.parse(TOOL_ARGS) });
    if (!call) return;

    const second = await client().messages.create({
      model: local({ id, tokens: 2 }),
      max_tokens: 64,
      tools,
      messages: [
        ...messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18C' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'tok0 tok1 ' }]);
    const sent = (await fakeLog(id)).lastBody as { messages: unknown[] };
    expect(sent.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: call.id, type: 'function', function: { name: TOOL_NAME, arguments: TOOL_ARGS } }],
      },
      { role: 'tool', tool_call_id: call.id, content: '18C' },
    ]);
  });

  it('surfaces a failure before the first token as a typed error with status, type and code', async () => {
    const error = await client()
      .messages.create({ model: local({ id: uniqueId('sdk-a-500'), status: 500 }), max_tokens: 64, messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(502);
    expect(apiError.type).toBe('api_error');
    expect(apiError.errorCode).toBe('upstream_http_500');
    expect(apiError.requestID).toBeTruthy();

    const limited = await client()
      .messages.stream({ model: local({ id: uniqueId('sdk-a-429'), status: 429 }), max_tokens: 64, messages })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.APIError>).status).toBe(429);
  });

  it('sends thinking and cache_control to Anthropic as written, with the beta header', async () => {
    const id = uniqueId('sdk-a-think');
    const params = {
      max_tokens: 4096,
      thinking: { type: 'enabled' as const, budget_tokens: 2048 },
      system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'Hello', cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } },
          ],
        },
      ],
    };
    const message = await client()
      .beta.messages.stream({
        model: anthropic({ id, tokens: 2 }),
        betas: ['interleaved-thinking-2025-05-14'],
        ...params,
      })
      .finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'tok0 tok1 ' }]);
    const log = await fakeLog(id);
    expect(log.lastBody).toMatchObject({ ...params, stream: true });
    expect(log.lastHeaders['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
  });

  it('counts tokens at Anthropic, and estimates (marked) elsewhere', async () => {
    const id = uniqueId('sdk-a-count');
    const counted = await client().messages.countTokens({ model: anthropic({ id }), messages });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect((await fakeLog(id)).requests).toBe(1);
    const estimated = await client()
      .messages.countTokens({ model: local({ id: uniqueId('sdk-a-est') }), messages })
      .withResponse();
    expect(estimated.data.input_tokens).toBeGreaterThan(0);
    expect(estimated.response.headers.get('x-infe-estimate')).toBe('true');
  });

  it('refuses a server tool for an OpenAI-dialect provider as a BadRequestError naming it', async () => {
    const error = await client()
      .messages.create({
        model: local({ id: uniqueId('sdk-a-srv') }),
        max_tokens: 64,
        messages,
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.apiMessage).toContain("'tools[0]'");
    expect(apiError.errorCode).toBe('unsupported_parameter');
  });

  it('raises a mid-stream failure instead of ending quietly', async () => {
    const stream = client().messages.stream({
      model: anthropic({ id: uniqueId('sdk-a-cut'), tokens: 6, error_after: 2 }),
      max_tokens: 64,
      messages,
    });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
  });
});
