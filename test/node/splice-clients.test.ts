import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { gatewayForFile } from './gateway-for-file';

// Splicing gateway-wide: a single-target model continues on the same target. A session turn runs
// in the session's Durable Object, which reads these bindings, so this gateway is a real one.
const gateway = gatewayForFile({ GATEWAY_CONFIG: JSON.stringify({ resume: { mode: 'splice' } }) });

const reply = Array.from({ length: 12 }, (_, i) => `tok${i} `).join('');
const cut = (provider: string, id: string, fault: Record<string, number>) =>
  `${provider}/${scenario({ id, tokens: 12, ...fault })}`;
const openai = () => new OpenAI({ baseURL: `${gateway().url}/v1`, apiKey: 'x', maxRetries: 0 });

describe('official SDK clients see one normal stream across a splice', () => {
  it('openai: chat completions', async () => {
    const id = uniqueId('sdk-chat');
    const stream = await openai().chat.completions.create({
      model: cut('local', id, { reset_after: 5 }),
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    let text = '';
    const finishes: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(text).toBe(reply);
    expect(finishes).toEqual(['stop']);
    expect((await fakeLog(id)).continuations).toBe(1);
  });

  it('@anthropic-ai/sdk: messages.stream over an Anthropic upstream', async () => {
    const id = uniqueId('sdk-messages');
    const client = new Anthropic({ baseURL: gateway().url, apiKey: 'x', maxRetries: 0 });
    const stream = client.messages.stream({
      model: cut('anthropic', id, { error_after: 7 }),
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: reply }]);
    expect(message.stop_reason).toBe('end_turn');
    expect((await fakeLog(id)).continuations).toBe(1);
  });

  it('openai: /v1/responses, translated', async () => {
    const id = uniqueId('sdk-responses');
    const stream = openai().responses.stream({ model: cut('local', id, { truncate_after: 4 }), input: 'Hello' });
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const response = await stream.finalResponse();
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(reply);
    expect(types.filter((t) => t === 'response.completed' || t === 'error' || t === 'response.failed')).toEqual([
      'response.completed',
    ]);
  });
});

describe('a session turn is spliced through the same spine', () => {
  it('the turn streams the whole reply, stored complete', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${gateway().url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const id = uniqueId('sdk-session');
    const created = await post('/v1/sessions', { model: cut('local', id, { reset_after: 6 }) });
    expect(created.status).toBe(201);
    const session = ((await created.json()) as { id: string }).id;
    const turn = await post(`/v1/sessions/${session}/messages`, { content: 'Hello', stream: true });
    const events = (await turn.text())
      .split('\n\n')
      .map((frame) => /^event: (.*)$/m.exec(frame)?.[1])
      .filter(Boolean);
    expect(events.filter((e) => e === 'finish' || e === 'error')).toEqual(['finish']);
    const stored = (await (await fetch(`${gateway().url}/v1/sessions/${session}`)).json()) as {
      messages: Array<{ role: string; content: string; status: string }>;
    };
    expect(stored.messages.at(-1)).toMatchObject({ role: 'assistant', content: reply, status: 'complete' });
    expect((await fakeLog(id)).continuations).toBe(1);
  });
});
