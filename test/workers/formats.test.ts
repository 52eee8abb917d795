import { describe, expect, it } from 'vitest';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { uniqueId } from '../support/fake-control';
import { callGateway, chat, contentOf, fakeEnv, readSse } from './gateway';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;

const stream = (model: string, accept: string, extra: Record<string, unknown> = {}) =>
  callGateway({ body: chat(model, { stream: true, ...extra }), headers: { accept } });

async function readLines(response: Response): Promise<any[]> {
  // Decoded by hand: workerd warns when .text() reads a body whose type (NDJSON) is not text/*.
  const text = new TextDecoder().decode(await response.arrayBuffer());
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('Accept: text/plain on a stream', () => {
  it('streams only the answer text', async () => {
    const res = await stream(local({ id: uniqueId('f-text'), tokens: 3 }), 'text/plain');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('tok0 tok1 tok2 ');
  });

  it('adds nothing to the text while the provider is silent, even when probing is on', async () => {
    const res = await callGateway({
      body: chat(local({ id: uniqueId('f-text-probe'), ttft: 100, tokens: 2 }), { stream: true }),
      headers: { accept: 'text/plain' },
      env: fakeEnv({ PREFILL_PROBE_MS: '20' }),
    });
    expect(await res.text()).toBe('tok0 tok1 ');
  });

  it('ends a failed stream with an error line', async () => {
    const res = await stream(local({ id: uniqueId('f-text-err'), tokens: 5, error_after: 2 }), 'text/plain');
    expect(await res.text()).toMatch(/^tok0 tok1 \n\[error: upstream_[a-z_]+\] .+\n$/);
  });
});

describe('Accept: application/x-ndjson on a stream', () => {
  it('streams one JSON object per event, ending with done', async () => {
    const res = await stream(anthropic({ id: uniqueId('f-nd'), tokens: 2 }), 'application/x-ndjson');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = await readLines(res);
    expect(lines[0]).toMatchObject({ type: 'start', id: expect.stringMatching(/^chatcmpl-/) });
    expect(lines.filter((l) => l.type === 'text').map((l) => l.text)).toEqual(['tok0 ', 'tok1 ']);
    expect(lines.find((l) => l.type === 'finish')).toEqual({ type: 'finish', reason: 'stop' });
    expect(lines.find((l) => l.type === 'usage')?.usage.outputTokens).toBe(2);
    expect(lines.at(-1)).toEqual({ type: 'done' });
  });

  it('streams tool calls as events', async () => {
    const tools = [{ type: 'function', function: { name: TOOL_NAME, parameters: { type: 'object' } } }];
    const lines = await readLines(
      await stream(local({ id: uniqueId('f-nd-tool'), tool: 1 }), 'application/x-ndjson', { tools }),
    );
    expect(lines.find((l) => l.type === 'tool-call-start')).toMatchObject({ index: 0, name: TOOL_NAME });
    const args = lines.filter((l) => l.type === 'tool-call-delta').map((l) => l.arguments);
    expect(args.join('')).toBe(TOOL_ARGS);
  });

  it('includes annotations the client asked for', async () => {
    const res = await callGateway({
      body: chat(local({ id: uniqueId('f-nd-metrics'), tokens: 2 }), { stream: true }),
      headers: { accept: 'application/x-ndjson', 'x-infe-annotations': '1' },
    });
    const lines = await readLines(res);
    expect(lines.find((l) => l.type === 'metrics')).toMatchObject({ outputTokens: expect.any(Number) });
  });

  it('ends a failed stream with the OpenAI error object', async () => {
    const lines = await readLines(
      await stream(local({ id: uniqueId('f-nd-err'), tokens: 5, error_after: 2 }), 'application/x-ndjson'),
    );
    expect(lines.at(-1)).toMatchObject({ type: 'error', error: { type: 'upstream_error', param: null } });
    expect(lines.some((l) => l.type === 'done')).toBe(false);
  });
});

describe('Accept negotiation', () => {
  it.each([
    'application/json',
    'application/json, text/plain, */*',
    '*/*',
    'text/event-stream',
    'text/plain;q=0.5, text/event-stream',
  ])('keeps SSE for Accept: %s', async (accept) => {
    const res = await stream(local({ id: uniqueId('f-sse'), tokens: 2 }), accept);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(contentOf(await readSse(res))).toBe('tok0 tok1 ');
  });

  it('answers a request that does not stream with JSON whatever it accepts', async () => {
    const res = await callGateway({
      body: chat(local({ id: uniqueId('f-json'), tokens: 2 })),
      headers: { accept: 'text/plain' },
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as any).choices[0].message.content).toBe('tok0 tok1 ');
  });
});
