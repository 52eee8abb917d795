import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { gatewayForFile } from './gateway-for-file';

const gateway = gatewayForFile({ SIM_TTFT_MS: '0' });

const messages = [{ role: 'user' as const, content: 'Hello' }];

describe('the official openai SDK, unchanged, against the gateway', () => {
  const client = () => new OpenAI({ baseURL: `${gateway().url}/v1`, apiKey: 'not-needed-locally', maxRetries: 0 });

  it('streams a chat completion', async () => {
    const stream = await client().chat.completions.create({
      model: `local/${scenario({ id: uniqueId('sdk'), tokens: 5 })}`,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      usage ??= chunk.usage;
    }
    expect(text).toBe('tok0 tok1 tok2 tok3 tok4 ');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(5);
  });

  it('gets a non-streaming completion from the embedded simulator', async () => {
    const completion = await client().chat.completions.create({ model: 'sim/default', messages, max_tokens: 4 });
    expect(completion.choices[0]?.message.content?.split(' ')).toHaveLength(4);
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('surfaces a gateway error as a typed APIError with status and code', async () => {
    const error = await client()
      .chat.completions.create({ model: `local/${scenario({ id: uniqueId('sdk-err'), status: 500 })}`, messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_http_500');
  });

  it('sends reasoning_effort, logprobs and friends to an OpenAI-dialect provider as the SDK wrote them', async () => {
    const id = uniqueId('sdk-fields');
    const fields = {
      reasoning_effort: 'low' as const,
      logprobs: true,
      top_logprobs: 2,
      verbosity: 'low' as const,
      prompt_cache_key: 'tenant-1',
      safety_identifier: 'user-hash',
      store: false,
      metadata: { team: 'search' },
    };
    const stream = await client().chat.completions.create({
      model: `local/${scenario({ id, tokens: 2 })}`,
      messages,
      stream: true,
      ...fields,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('tok0 tok1 ');
    expect((await fakeLog(id)).lastBody).toMatchObject(fields);
  });

  it("brings back an upstream refusal with the provider's code and param", async () => {
    const error = await client()
      .chat.completions.create({ model: `local/${scenario({ id: uniqueId('sdk-ctx'), status: 400 })}`, messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.code).toBe('context_length_exceeded');
    expect(apiError.param).toBe('messages');
  });

  it('refuses, by name, a field the Anthropic provider has no equivalent for', async () => {
    const error = await client()
      .chat.completions.create({ model: `anthropic/${scenario({ id: uniqueId('sdk-lp') })}`, messages, logprobs: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe('logprobs');
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('unsupported_parameter');
  });

  it('raises a mid-stream error instead of ending quietly', async () => {
    const stream = await client().chat.completions.create({
      model: `local/${scenario({ id: uniqueId('sdk-cut'), tokens: 6, no_finish: 1 })}`,
      messages,
      stream: true,
    });
    const read = async () => {
      for await (const _ of stream) {
      }
    };
    await expect(read()).rejects.toThrow();
  });
});

describe('the Vercel AI SDK (OpenAI-compatible provider) against the gateway', () => {
  const infe = () => createOpenAICompatible({ name: 'infe', baseURL: `${gateway().url}/v1`, includeUsage: true });

  it('streams text', async () => {
    const result = streamText({
      model: infe()(`local/${scenario({ id: uniqueId('ai'), tokens: 4 })}`),
      prompt: 'Hello',
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('tok0 tok1 tok2 tok3 ');
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(4);
  });

  it('generates text without streaming', async () => {
    const { text } = await generateText({
      model: infe()(`local/${scenario({ id: uniqueId('ai-json'), tokens: 2 })}`),
      prompt: 'Hi',
    });
    expect(text).toBe('tok0 tok1 ');
  });
});
