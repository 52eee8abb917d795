import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { chatRequestSchema } from '../schema/chat-request';
import { anthropicBody, DEFAULT_MAX_TOKENS } from './anthropic-request';

const request = (body: Record<string, unknown>) => chatRequestSchema.parse({ model: 'anthropic/claude', ...body });
/** The Anthropic body for a chat request given as its JSON fields. */
const bodyOf = (body: Record<string, unknown>, model = 'claude') => anthropicBody(request(body), model);

/** Anthropic text blocks, one per string. */
const textBlocks = (...texts: string[]) => texts.map((text) => ({ type: 'text', text }));

/** A system prompt and two turns: what infe.cache_prefix marks, the final message aside. */
const conversation = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Q1' },
  { role: 'assistant', content: 'A1' },
  { role: 'user', content: 'Q2' },
];

describe('anthropicBody', () => {
  it('moves system and developer messages to `system` and merges consecutive turns', () => {
    const body = bodyOf(
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
          { role: 'user', content: 'Hi' },
          { role: 'user', content: 'Weather?' },
        ],
      },
      'claude-sonnet-4-5',
    );
    expect(body).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      max_tokens: DEFAULT_MAX_TOKENS,
      system: 'Be brief.\n\nUse metric units.',
      // The two user turns, merged into one.
      messages: [{ role: 'user', content: textBlocks('Hi', 'Weather?') }],
    });
  });

  it('maps tool calls, tool results, tools and tool_choice', () => {
    const body = bodyOf({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_completion_tokens: 100,
      stop: 'END',
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18°C' }] },
    ]);
    expect(body.tools).toEqual([{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }]);
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(body.max_tokens).toBe(100);
    expect(body.stop_sequences).toEqual(['END']);
  });

  it('maps image parts: data URLs to base64 sources, others to URL sources', () => {
    const body = bodyOf({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect((body.messages as any)[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('rejects, by name, fields Anthropic cannot honour', () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    for (const [field, value] of [
      ['response_format', { type: 'json_object' }],
      ['presence_penalty', 0.5],
      ['frequency_penalty', 0.5],
    ] as const) {
      const call = () => bodyOf({ messages, [field]: value });
      expect(call).toThrow(GatewayError);
      expect(call).toThrow(field);
    }
  });

  it('with infe.cache_prefix, marks the system prompt and the last block before the final message', () => {
    const body = bodyOf({ infe: { cache_prefix: true }, messages: conversation });
    expect(body.system).toEqual([{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Q1' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'A1', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: [{ type: 'text', text: 'Q2' }] },
    ]);
  });

  it('keeps the breakpoint on the earlier block when the final message merges into the same turn', () => {
    const body = bodyOf({
      infe: { cache_prefix: true },
      messages: [
        { role: 'user', content: 'Q1' },
        { role: 'user', content: 'Q2' },
      ],
    });
    expect(body.system).toBeUndefined();
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Q1', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Q2' },
        ],
      },
    ]);
  });

  it('marks nothing without the flag, or when the final message is the only one', () => {
    const plain = bodyOf({ messages: conversation });
    expect(JSON.stringify(plain)).not.toContain('cache_control');
    const single = bodyOf({ infe: { cache_prefix: true }, messages: [{ role: 'user', content: 'Q' }] }, 'c');
    expect(JSON.stringify(single.messages)).not.toContain('cache_control');
  });
});
