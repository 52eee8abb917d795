import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { parseMessagesRequest } from './messages-request';
import { toChatRequest } from './messages-to-chat';
import { ParamPolicy } from './param-policy';

const base = { model: 'sim/default', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };
const strict = () => new ParamPolicy('local', false);
const convert = (body: Record<string, unknown>) => toChatRequest(parseMessagesRequest({ ...base, ...body }), strict());

function rejection(body: unknown): GatewayError {
  try {
    toChatRequest(parseMessagesRequest(body), strict());
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

  it('keeps fields it does not read, at any depth, as sent', () => {
    const body = {
      ...base,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      container: 'c-1',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'x', foo: 1 },
            { type: 'document', source: {} },
          ],
        },
      ],
    };
    expect(parseMessagesRequest(body)).toEqual(body);
  });

  it('points into block content instead of stopping at "invalid input"', () => {
    const missingText = rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] });
    expect(missingText.param).toBe('messages[0].content[0].text');
    expect(rejection({ ...base, messages: [{ role: 'user', content: 3 }] }).param).toBe('messages[0].content');
    expect(rejection({ ...base, messages: [{ role: '', content: 'x' }] }).param).toBe('messages[0].role');
    expect(rejection({ ...base, model: 'x'.repeat(257) }).param).toBe('model');
  });

  it('keeps a mid-conversation system message (a beta Claude Code uses) in place in the translation', () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'system', content: [{ type: 'text', text: 'Agents: none.' }] },
    ];
    expect(convert({ messages }).messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'Agents: none.' },
    ]);
    expect(rejection({ ...base, messages: [{ role: 'critic', content: 'x' }] }).param).toBe('messages[0].role');
  });

  it('refuses, by name and provider, what an OpenAI-dialect provider has no field for', () => {
    const error = rejection({ ...base, container: 'c-1' });
    expect(error).toMatchObject({ status: 400, param: 'container', code: 'unsupported_parameter' });
    expect(error.message).toContain("provider 'local'");
    const server = rejection({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    expect(server.param).toBe('tools[0]');
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
        top_k: 5,
        thinking: { type: 'enabled', budget_tokens: 3000 },
        cache_control: { type: 'ephemeral' },
      }),
    ).toEqual({
      top_k: 5,
      reasoning_effort: 'medium',
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
