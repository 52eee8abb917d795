import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { gatewayForFile } from './gateway-for-file';

const gateway = gatewayForFile();

const client = () => new OpenAI({ baseURL: `${gateway().url}/v1`, apiKey: 'not-needed-locally', maxRetries: 0 });
const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;

interface LoggedBody {
  messages: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
}

describe('the official openai SDK, responses API, against the gateway', () => {
  it('creates a response and reads output_text', async () => {
    const response = await client().responses.create({
      model: local({ id: uniqueId('sdk-r'), tokens: 3 }),
      input: 'Hello',
      instructions: 'Be brief.',
    });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('tok0 tok1 tok2 ');
    expect(response.usage?.output_tokens).toBe(3);
  });

  it('round-trips a function tool: the call, then the answer from its output', async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: 'function', name: TOOL_NAME, parameters: { type: 'object' }, strict: false },
    ];
    const first = await client().responses.create({
      model: local({ id: uniqueId('sdk-call'), tool: 1 }),
      input: 'Weather in Paris?',
      tools,
    });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(call).toMatchObject({ name: TOOL_NAME, status: 'completed' });
    expect(JSON.parse(call.arguments)).toEqual(JSON.parse(TOOL_ARGS));

    const id = uniqueId('sdk-answer');
    const second = await client().responses.create({
      model: local({ id, text: 'Sunny.' }),
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: '22C' },
      ],
      tools,
    });
    expect(second.output_text).toBe('Sunny.');
    const sent = (await fakeLog(id)).lastBody as LoggedBody;
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(sent.messages[1]?.tool_calls).toHaveLength(1);
    expect(sent.messages[2]).toMatchObject({ role: 'tool', content: '22C' });
  });

  it('parses text.format json_schema into output_parsed', async () => {
    const Weather = z.object({ city: z.string(), celsius: z.number() });
    const response = await client().responses.parse({
      model: local({ id: uniqueId('sdk-parse'), text: '{"city":"Paris","celsius":22}' }),
      input: 'Weather?',
      text: { format: zodTextFormat(Weather, 'weather') },
    });
    expect(response.output_parsed).toEqual({ city: 'Paris', celsius: 22 });
  });

  it('streams with responses.stream and gives the final response', async () => {
    const stream = client().responses.stream({ model: local({ id: uniqueId('sdk-stream'), tokens: 4 }), input: 'Hi' });
    let text = '';
    stream.on('response.output_text.delta', (event) => {
      text += event.delta;
    });
    const final = await stream.finalResponse();
    expect(text).toBe('tok0 tok1 tok2 tok3 ');
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe(text);
  });

  it('raises a mid-stream failure instead of ending quietly', async () => {
    const stream = await client().responses.create({
      model: local({ id: uniqueId('sdk-cut'), tokens: 6, error_after: 2 }),
      input: 'Hi',
      stream: true,
    });
    const seen: string[] = [];
    const read = async () => {
      for await (const event of stream) seen.push(event.type);
    };
    await expect(read()).rejects.toThrow(OpenAI.APIError);
    expect(seen).toContain('response.failed');
    expect(seen).not.toContain('response.completed');
  });

  it('continues with previous_response_id on another provider, then retrieves, lists and deletes', async () => {
    const first = await client().responses.create({
      model: local({ id: uniqueId('sdk-chain1'), text: 'I am Infe.' }),
      input: 'Who are you?',
    });
    const id = uniqueId('sdk-chain2');
    const second = await client().responses.create({
      model: anthropic({ id, tokens: 2 }),
      input: 'Say more.',
      previous_response_id: first.id,
    });
    expect(second.previous_response_id).toBe(first.id);
    const sent = (await fakeLog(id)).lastBody as { messages: { role: string; content: unknown }[] };
    expect(JSON.stringify(sent.messages)).toContain('Who are you?');
    expect(JSON.stringify(sent.messages)).toContain('I am Infe.');
    expect(JSON.stringify(sent.messages)).toContain('Say more.');

    expect((await client().responses.retrieve(first.id)).output_text).toBe('I am Infe.');
    const items = await client().responses.inputItems.list(second.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text' }] });

    await client().responses.delete(first.id);
    const gone = await client()
      .responses.retrieve(first.id)
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('keeps a conversation: responses made in it see its items and add theirs', async () => {
    const conversation = await client().conversations.create({
      metadata: { topic: 'greeting' },
      items: [{ type: 'message', role: 'user', content: 'My name is Ada.' }],
    });
    expect(conversation).toMatchObject({ object: 'conversation', metadata: { topic: 'greeting' } });
    const id = uniqueId('sdk-conv');
    const response = await client().responses.create({
      model: anthropic({ id, text: 'Hello Ada.' }),
      input: 'Greet me.',
      conversation: conversation.id,
    });
    expect(response.conversation?.id).toBe(conversation.id);
    const sent = JSON.stringify(((await fakeLog(id)).lastBody as LoggedBody).messages);
    expect(sent).toContain('My name is Ada.');
    expect(sent).toContain('Greet me.');

    const items = await client().conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data.map((item) => (item.type === 'message' ? item.role : item.type))).toEqual([
      'user',
      'user',
      'assistant',
    ]);
    expect((await client().conversations.retrieve(conversation.id)).id).toBe(conversation.id);
    expect(await client().conversations.delete(conversation.id)).toMatchObject({ deleted: true });
    const gone = await client()
      .conversations.retrieve(conversation.id)
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
