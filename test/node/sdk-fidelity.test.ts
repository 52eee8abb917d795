import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { uniqueId } from '../support/fake-control';
import { gatewayForFile } from './gateway-for-file';

const gateway = gatewayForFile();

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;

describe('the openai SDK gets every response field through the gateway', () => {
  const client = () => new OpenAI({ baseURL: `${gateway().url}/v1`, apiKey: 'not-needed-locally', maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Hello' }];

  it('streams logprobs, refusals per choice and usage details', async () => {
    const stream = await client().chat.completions.create({
      model: local({ id: uniqueId('sdk-fid'), replay: 'openai-fidelity' }),
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const tokens: string[] = [];
    let refusal = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let fingerprint: string | null | undefined;
    for await (const chunk of stream) {
      fingerprint ??= chunk.system_fingerprint;
      for (const choice of chunk.choices) {
        tokens.push(...(choice.logprobs?.content ?? []).map((entry) => entry.token));
        if (choice.index === 1) refusal += choice.delta.refusal ?? '';
      }
      usage ??= chunk.usage;
    }
    expect(tokens).toEqual(['Grüße', ' 東京']);
    expect(refusal).toBe("I can't help with that.");
    expect(fingerprint).toBe('fp_f1');
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(12);
    expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(4);
  });

  it('assembles the same with the stream helper: finalChatCompletion has both choices', async () => {
    const stream = client().chat.completions.stream({
      model: local({ id: uniqueId('sdk-fid-helper'), replay: 'openai-fidelity' }),
      messages,
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Grüße 東京');
    expect(completion.choices[0]?.logprobs?.content?.map((entry) => entry.token)).toEqual(['Grüße', ' 東京']);
    expect(completion.choices[1]?.message.refusal).toBe("I can't help with that.");
  });

  it('chat.completions.parse() returns message.refusal instead of throwing on a refusal', async () => {
    const completion = await client().chat.completions.parse({
      model: local({ id: uniqueId('sdk-refusal'), replay: 'openai-refusal' }),
      messages,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          strict: true,
          schema: {
            type: 'object',
            properties: { a: { type: 'string' } },
            required: ['a'],
            additionalProperties: false,
          },
        },
      },
    });
    const message = completion.choices[0]?.message;
    expect(message?.refusal).toBe("I'm sorry, I can't help with that.");
    expect(message?.parsed).toBeNull();
    expect(message?.content).toBeNull();
  });
});

describe('the @anthropic-ai/sdk gets every response field through the gateway', () => {
  const client = () => new Anthropic({ baseURL: gateway().url, apiKey: 'x', maxRetries: 0 });

  it('messages.stream().finalMessage(): thinking with its signature, server tools, citations, cache usage', async () => {
    const stream = client().messages.stream({
      model: anthropic({ id: uniqueId('sdk-a-fid'), replay: 'anthropic-fidelity' }),
      max_tokens: 256,
      system: [{ type: 'text', text: 'A long, cached system prompt.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const citations: unknown[] = [];
    stream.on('citation', (citation) => citations.push(citation));
    const message = await stream.finalMessage();
    expect(message.content[0]).toEqual({
      type: 'thinking',
      thinking: 'Let me look it up.',
      signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
    });
    expect(message.content[1]?.type).toBe('redacted_thinking');
    expect(message.content[2]).toMatchObject({ type: 'server_tool_use', input: { query: 'weather in Paris' } });
    expect(message.content[3]?.type).toBe('web_search_tool_result');
    expect(message.content[4]).toMatchObject({
      type: 'text',
      text: 'Sunny in Paris 🌞.',
      citations: [{ type: 'web_search_result_location', cited_text: 'Sunny, 24°C' }],
    });
    expect(citations).toHaveLength(1);
    expect(message.stop_reason).toBe('stop_sequence');
    expect(message.stop_sequence).toBe('END');
    expect(message.usage).toMatchObject({
      input_tokens: 10,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 5,
      output_tokens: 42,
    });
  });
});
