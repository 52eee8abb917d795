import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { parseMessagesRequest, toChatRequest } from './messages-request';

const base = { model: 'sim/default', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };
const convert = (body: Record<string, unknown>) => toChatRequest(parseMessagesRequest({ ...base, ...body }));

function rejection(body: unknown): GatewayError {
  try {
    toChatRequest(parseMessagesRequest(body));
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a rejection');
}

describe('parseMessagesRequest', () => {
  it('names a missing required field', () => {
    expect(rejection({ model: 'sim/default', messages: base.messages }).param).toBe('max_tokens');
  });

  it('rejects unknown fields by name, at any depth', () => {
    expect(rejection({ ...base, thinking: { type: 'enabled', budget_tokens: 1024 } })).toMatchObject({
      param: 'thinking',
      code: 'unsupported_field',
    });
    const nested = rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', foo: 1 }] }] });
    expect(nested).toMatchObject({ param: 'messages[0].content[0].foo', code: 'unsupported_field' });
  });

  it('points into block content instead of stopping at "invalid input"', () => {
    const unknownBlock = rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'document' }] }] });
    expect(unknownBlock.param).toBe('messages[0].content[0].type');
    const missingText = rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] });
    expect(missingText.param).toBe('messages[0].content[0].text');
    expect(rejection({ ...base, messages: [{ role: 'user', content: 3 }] }).param).toBe('messages[0].content');
  });

  it('rejects top_k by name, with the reason', () => {
    const error = rejection({ ...base, top_k: 5 });
    expect(error).toMatchObject({ status: 400, param: 'top_k', code: 'unsupported_field' });
    expect(error.message).toContain('top-k');
  });
});

describe('toChatRequest', () => {
  it('maps the sampling fields and the system prompt', () => {
    expect(
      convert({
        system: [
          { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: ' Be kind.' },
        ],
        temperature: 0.5,
        top_p: 0.9,
        stop_sequences: ['END'],
        stream: true,
        metadata: { user_id: 'u-1' },
      }),
    ).toEqual({
      model: 'sim/default',
      max_tokens: 64,
      stream: true,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['END'],
      user: 'u-1',
      messages: [
        { role: 'system', content: 'Be brief. Be kind.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  it('turns a tool_use / tool_result round trip into OpenAI tool calls and tool messages', () => {
    const request = convert({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'use the tool', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18C' }] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'timeout', is_error: true },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: timeout' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
  });

  it('maps base64 and url images to image parts', () => {
    const request = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Compare' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    });
  });

  it('maps tools and every tool_choice', () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }];
    expect(convert({ tools }).tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } },
    ]);
    const choice = (tool_choice: unknown) => {
      const { tool_choice: mapped, parallel_tool_calls } = convert({ tools, tool_choice });
      return { mapped, parallel_tool_calls };
    };
    expect(choice({ type: 'auto' })).toEqual({ mapped: 'auto', parallel_tool_calls: undefined });
    expect(choice({ type: 'any', disable_parallel_tool_use: true })).toEqual({
      mapped: 'required',
      parallel_tool_calls: false,
    });
    expect(choice({ type: 'tool', name: 'get_weather' }).mapped).toEqual({
      type: 'function',
      function: { name: 'get_weather' },
    });
    expect(choice({ type: 'none' }).mapped).toBe('none');
  });
});
