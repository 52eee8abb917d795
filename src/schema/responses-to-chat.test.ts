import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { parseResponsesRequest } from './responses-request';
import { toChatRequest } from './responses-to-chat';

const translate = (body: Record<string, unknown>) =>
  toChatRequest(parseResponsesRequest({ model: 'local/m', ...body }));

function refusal(body: Record<string, unknown>): GatewayError {
  try {
    translate(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
  }
  throw new Error('expected a GatewayError');
}

describe('the Responses request as a ChatRequest', () => {
  it('puts instructions first and turns a string input into one user message', () => {
    expect(translate({ input: 'Hi', instructions: 'Be brief.' }).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('maps items: text and image parts, assistant text with its calls, call outputs; reasoning is left out', () => {
    const chat = translate({
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Rules.' }] },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'https://example.test/a.png', detail: 'low' },
          ],
        },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'hm' }] },
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Let me look.', annotations: [], logprobs: [] }],
        },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'look', arguments: '{}', status: 'completed' },
        { type: 'function_call', call_id: 'call_2', name: 'look', arguments: '{"x":1}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a cat' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'a dog' }] },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'developer', content: 'Rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.test/a.png', detail: 'low' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Let me look.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{}' } },
          { id: 'call_2', type: 'function', function: { name: 'look', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      { role: 'tool', tool_call_id: 'call_2', content: 'a dog' },
    ]);
  });

  it('maps the settings: tools, tool_choice, text.format, reasoning.effort, max_output_tokens, sampling', () => {
    const chat = translate({
      input: 'Hi',
      tools: [{ type: 'function', name: 'f', description: 'd', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low', summary: 'auto' },
      max_output_tokens: 64,
      temperature: 0.5,
      top_p: 0.9,
      stream: true,
      safety_identifier: 'u1',
    });
    expect(chat).toMatchObject({
      tools: [
        { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' }, strict: true } },
      ],
      tool_choice: { type: 'function', function: { name: 'f' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
      max_completion_tokens: 64,
      temperature: 0.5,
      top_p: 0.9,
      stream: true,
      user: 'u1',
    });
    expect(translate({ input: 'Hi', text: { format: { type: 'json_object' } } }).response_format).toEqual({
      type: 'json_object',
    });
  });

  it('refuses a hosted tool by type and provider, and an unknown field or item type by name', () => {
    const hosted = refusal({ input: 'Hi', tools: [{ type: 'web_search' }] });
    expect(hosted.param).toBe('tools[0].type');
    expect(hosted.message).toContain("'web_search'");
    expect(hosted.message).toContain("'local'");
    expect(refusal({ input: 'Hi', top_logprobs: 2 }).param).toBe('top_logprobs');
    expect(refusal({ input: [{ type: 'item_reference', id: 'x' }] }).param).toBe('input[0].type');
    expect(refusal({ input: [] }).param).toBe('input');
  });
});
