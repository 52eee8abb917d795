import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, fakeEnv } from './gateway';

/**
 * Every request field of issue 12, through both routes, to a provider of each dialect, asserted
 * at the fake provider: forwarded verbatim, translated to its stated equivalent, or refused by
 * the per-provider policy with its name (and the provider's) in the error, before any call.
 */
type Route = 'chat' | 'messages';
type Provider = 'local' | 'anthropic';
type Sent = Record<string, any>;
type Outcome =
  | { verbatim: Record<string, unknown> }
  | { translated: (sent: Sent) => void }
  | { refused: string }
  | { dropped: string[]; check?: (sent: Sent) => void };

interface Row {
  field: string;
  route: Route;
  provider: Provider;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  env?: Record<string, unknown>;
  outcome: Outcome;
}

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
const pdf = 'JVBERi0xLjQK';
const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } };
const aTool = { name: 'get_weather', input_schema: { type: 'object' } };

const chatLocal = (field: string, body: Record<string, unknown>, outcome: Outcome = { verbatim: body }): Row => ({
  field,
  route: 'chat',
  provider: 'local',
  body,
  outcome,
});
const chatAnthropic = (field: string, body: Record<string, unknown>, outcome: Outcome): Row => ({
  field,
  route: 'chat',
  provider: 'anthropic',
  body,
  outcome,
});
const msgAnthropic = (field: string, body: Record<string, unknown>, outcome: Outcome = { verbatim: body }): Row => ({
  field,
  route: 'messages',
  provider: 'anthropic',
  body,
  outcome,
});
const msgLocal = (field: string, body: Record<string, unknown>, outcome: Outcome): Row => ({
  field,
  route: 'messages',
  provider: 'local',
  body,
  outcome,
});

const ROWS: Row[] = [
  // OpenAI request -> OpenAI-dialect provider: lossless.
  chatLocal('reasoning_effort', { reasoning_effort: 'low' }),
  chatLocal('verbosity', { verbosity: 'low' }),
  chatLocal('logprobs + top_logprobs', { logprobs: true, top_logprobs: 3 }),
  chatLocal('logit_bias', { logit_bias: { '50256': -100 } }),
  chatLocal('metadata', { metadata: { team: 'search' } }),
  chatLocal('store', { store: true }),
  chatLocal('service_tier', { service_tier: 'flex' }),
  chatLocal('prediction', { prediction: { type: 'content', content: 'draft' } }),
  chatLocal('modalities + audio', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }),
  chatLocal('web_search_options', { web_search_options: { search_context_size: 'low' } }),
  chatLocal('prompt_cache_key', { prompt_cache_key: 'tenant-7' }),
  chatLocal('safety_identifier', { safety_identifier: 'user-hash' }),
  chatLocal('user', { user: 'u-1' }),
  chatLocal('seed + penalties', { seed: 7, presence_penalty: 0.5, frequency_penalty: 0.2 }),
  chatLocal('top_k', { top_k: 40 }),
  chatLocal('min_p', { min_p: 0.05 }),
  chatLocal('repetition_penalty', { repetition_penalty: 1.1 }),
  chatLocal('reasoning_format', { reasoning_format: 'parsed' }),
  chatLocal('chat_template_kwargs', { chat_template_kwargs: { enable_thinking: false } }),
  chatLocal('guided_json', { guided_json: { type: 'object' } }),
  chatLocal('explicit nulls', { temperature: null, top_p: null, stop: null, tools: null, response_format: null }),
  chatLocal('input_audio part', user([{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }])),
  chatLocal(
    'file part',
    user([{ type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` } }]),
  ),
  chatLocal('assistant reasoning_content', {
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello', reasoning_content: 'greet back' },
      { role: 'user', content: 'Bye' },
    ],
  }),
  chatLocal(
    'stream_options.include_obfuscation',
    { stream_options: { include_obfuscation: false } },
    { verbatim: { stream_options: { include_obfuscation: false, include_usage: true } } },
  ),
  chatLocal(
    'max_completion_tokens',
    { max_completion_tokens: 99 },
    {
      translated: (sent) => {
        // `local` knows only the old name (openai-family.ts); OpenAI itself gets max_completion_tokens.
        expect(sent.max_tokens).toBe(99);
        expect(sent).not.toHaveProperty('max_completion_tokens');
      },
    },
  ),
  chatLocal(
    'infe never upstream',
    { infe: { cache_prefix: true } },
    { translated: (sent) => expect(sent).not.toHaveProperty('infe') },
  ),

  // OpenAI request -> Anthropic provider: translated, or refused by name.
  chatAnthropic(
    'reasoning_effort',
    { reasoning_effort: 'low', max_completion_tokens: 8000 },
    {
      translated: (sent) => expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 }),
    },
  ),
  chatAnthropic('stop', { stop: 'END' }, { translated: (sent) => expect(sent.stop_sequences).toEqual(['END']) }),
  chatAnthropic('top_k', { top_k: 5 }, { translated: (sent) => expect(sent.top_k).toBe(5) }),
  chatAnthropic('user', { user: 'u-1' }, { translated: (sent) => expect(sent.metadata).toEqual({ user_id: 'u-1' }) }),
  chatAnthropic(
    'safety_identifier',
    { safety_identifier: 'h-1' },
    {
      translated: (sent) => expect(sent.metadata).toEqual({ user_id: 'h-1' }),
    },
  ),
  chatAnthropic(
    'parallel_tool_calls: false',
    { tools: [tool], parallel_tool_calls: false },
    {
      translated: (sent) => expect(sent.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true }),
    },
  ),
  chatAnthropic(
    'service_tier',
    { service_tier: 'default' },
    {
      translated: (sent) => expect(sent.service_tier).toBe('standard_only'),
    },
  ),
  chatAnthropic(
    'file part (PDF)',
    user([{ type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` } }]),
    {
      translated: (sent) =>
        expect(sent.messages[0].content).toEqual([
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf }, title: 'a.pdf' },
        ]),
    },
  ),
  chatAnthropic('image part', user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } }]), {
    translated: (sent) =>
      expect(sent.messages[0].content).toEqual([
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
      ]),
  }),
  chatAnthropic('cache_control on a part', user([{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }]), {
    translated: (sent) =>
      expect(sent.messages[0].content).toEqual([{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }]),
  }),
  chatAnthropic(
    'assistant reasoning_content (no-op)',
    {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello', reasoning_content: 'greet back' },
        { role: 'user', content: 'Bye' },
      ],
    },
    {
      translated: (sent) =>
        expect(sent.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Hello' }] }),
    },
  ),
  chatAnthropic(
    'stream_options (no-op)',
    { stream_options: { include_usage: true, include_obfuscation: false } },
    {
      translated: (sent) => expect(sent).not.toHaveProperty('stream_options'),
    },
  ),
  chatAnthropic(
    'neutral values (n: 1, logprobs: false, response_format text)',
    { n: 1, logprobs: false, response_format: { type: 'text' } },
    {
      translated: (sent) => expect(sent).not.toHaveProperty('response_format'),
    },
  ),
  chatAnthropic('logprobs', { logprobs: true }, { refused: 'logprobs' }),
  chatAnthropic('n', { n: 2 }, { refused: 'n' }),
  chatLocal('n', { n: 2 }),
  chatAnthropic('verbosity', { verbosity: 'low' }, { refused: 'verbosity' }),
  chatAnthropic('seed', { seed: 7 }, { refused: 'seed' }),
  chatAnthropic('logit_bias', { logit_bias: { '1': 1 } }, { refused: 'logit_bias' }),
  chatAnthropic('presence_penalty', { presence_penalty: 1 }, { refused: 'presence_penalty' }),
  chatAnthropic(
    'response_format json_object',
    { response_format: { type: 'json_object' } },
    { refused: 'response_format' },
  ),
  chatAnthropic('min_p', { min_p: 0.1 }, { refused: 'min_p' }),
  chatAnthropic('input_audio part', user([{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }]), {
    refused: 'messages[0].content[0]',
  }),
  chatAnthropic(
    'message name',
    { messages: [{ role: 'user', content: 'Hi', name: 'ann' }] },
    { refused: 'messages[0].name' },
  ),
  {
    ...chatAnthropic('drop_unsupported_params (request)', {}, { dropped: [] }),
    body: { seed: 7, logprobs: true, infe: { drop_unsupported_params: true } },
    outcome: {
      dropped: ['seed', 'logprobs'],
      check: (sent) => {
        expect(sent).not.toHaveProperty('seed');
        expect(sent).not.toHaveProperty('logprobs');
      },
    },
  },

  // /v1/messages -> Anthropic provider: lossless.
  msgAnthropic('thinking', { thinking: { type: 'enabled', budget_tokens: 2048 } }),
  msgAnthropic(
    'document block',
    user([
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: pdf },
        citations: { enabled: true },
      },
    ]),
  ),
  msgAnthropic('server tool', { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }] }),
  msgAnthropic('top_k', { top_k: 5 }),
  msgAnthropic('service_tier', { service_tier: 'auto' }),
  msgAnthropic('cache_control (system, tools, top level)', {
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    tools: [{ ...aTool, cache_control: { type: 'ephemeral' } }],
    cache_control: { type: 'ephemeral' },
  }),
  msgAnthropic('metadata', { metadata: { user_id: 'u-1' } }),
  msgAnthropic('container', { container: 'container_011' }),
  msgAnthropic('mcp_servers', { mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'x' }] }),
  msgAnthropic('context_management (unknown to the gateway)', { context_management: { edits: [] } }),
  msgAnthropic('thinking blocks + signature in history', {
    messages: [
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hm', signature: 'sig' },
          { type: 'text', text: 'Hello' },
        ],
      },
      { role: 'user', content: 'Bye' },
    ],
  }),

  // /v1/messages -> OpenAI-dialect provider: translated, or refused by name.
  msgLocal(
    'thinking',
    { thinking: { type: 'enabled', budget_tokens: 3000 } },
    {
      translated: (sent) => expect(sent.reasoning_effort).toBe('medium'),
    },
  ),
  msgLocal('stop_sequences', { stop_sequences: ['END'] }, { translated: (sent) => expect(sent.stop).toEqual(['END']) }),
  msgLocal('top_k', { top_k: 5 }, { translated: (sent) => expect(sent.top_k).toBe(5) }),
  msgLocal(
    'metadata.user_id',
    { metadata: { user_id: 'u-1' } },
    { translated: (sent) => expect(sent.user).toBe('u-1') },
  ),
  msgLocal(
    'disable_parallel_tool_use',
    { tools: [aTool], tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
    {
      translated: (sent) => expect(sent).toMatchObject({ tool_choice: 'auto', parallel_tool_calls: false }),
    },
  ),
  msgLocal(
    'cache_control (no-op)',
    { system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }] },
    {
      translated: (sent) => expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' }),
    },
  ),
  msgLocal(
    'document block (PDF)',
    user([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } }]),
    {
      translated: (sent) =>
        expect(sent.messages[0].content).toEqual([
          { type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${pdf}` } },
        ]),
    },
  ),
  msgLocal(
    'service_tier',
    { service_tier: 'standard_only' },
    { translated: (sent) => expect(sent.service_tier).toBe('default') },
  ),
  msgLocal('server tool', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, { refused: 'tools[0]' }),
  msgLocal('container', { container: 'container_011' }, { refused: 'container' }),
  msgLocal('mcp_servers', { mcp_servers: [] }, { refused: 'mcp_servers' }),
  {
    ...msgLocal('drop_unsupported_params (operator)', { container: 'c-1' }, { dropped: ['container'] }),
    env: { GATEWAY_CONFIG: JSON.stringify({ pipeline: { drop_unsupported_params: true } }) },
    outcome: { dropped: ['container'], check: (sent) => expect(sent).not.toHaveProperty('container') },
  },
];

function requestFor(row: Row, model: string): Record<string, unknown> {
  const base =
    row.route === 'chat'
      ? { model, messages: [{ role: 'user', content: 'Hello' }] }
      : { model, max_tokens: 4000, messages: [{ role: 'user', content: 'Hello' }] };
  return { ...base, ...row.body };
}

describe('request fidelity, asserted at the provider', () => {
  it.each(ROWS.map((row) => [`${row.route} -> ${row.provider}: ${row.field}`, row] as const))('%s', async (_, row) => {
    const id = uniqueId('fid');
    const body = requestFor(row, `${row.provider}/${scenario({ id, tokens: 1 })}`);
    const res = await callGateway({
      path: row.route === 'chat' ? '/v1/chat/completions' : '/v1/messages',
      body,
      headers: row.headers,
      env: fakeEnv(row.env),
    });
    const log = await fakeLog(id);
    const { outcome } = row;
    if ('refused' in outcome) {
      expect(res.status).toBe(400);
      const error = ((await res.json()) as any).error;
      expect(error.message).toContain(`'${outcome.refused}'`);
      expect(error.message).toContain(`'${row.provider}'`);
      if (row.route === 'chat') expect(error).toMatchObject({ code: 'unsupported_parameter', param: outcome.refused });
      else expect(error.details.error_code).toBe('unsupported_parameter');
      expect(log.requests).toBe(0);
      return;
    }
    expect(res.status).toBe(200);
    await res.text();
    const sent = log.lastBody as Sent;
    expect(sent.model).toBe(scenario({ id, tokens: 1 }));
    expect(sent.stream).toBe(true);
    if ('verbatim' in outcome) {
      // Everything the client sent arrives, except the provider prefix of the model and `stream`.
      const { model: _m, stream: _s, ...rest } = body;
      expect(sent).toMatchObject(rest);
      expect(sent).toMatchObject(outcome.verbatim);
    } else if ('translated' in outcome) outcome.translated(sent);
    else {
      expect(res.headers.get('x-infe-dropped-params')).toBe(outcome.dropped.join(', '));
      outcome.check?.(sent);
    }
  });

  it(`covers at least 40 fields (${ROWS.length})`, () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
  });
});

describe('provider headers', () => {
  it('forwards anthropic-beta and anthropic-version to Anthropic, never the client key', async () => {
    const id = uniqueId('hdr-a');
    const res = await callGateway({
      path: '/v1/messages',
      body: {
        model: `anthropic/${scenario({ id, tokens: 1 })}`,
        max_tokens: 9,
        messages: [{ role: 'user', content: 'Hi' }],
      },
      headers: {
        'anthropic-beta': 'interleaved-thinking-2025-05-14',
        'anthropic-version': '2023-06-01',
        'x-api-key': 'client-key',
        authorization: 'Bearer client-key',
      },
    });
    await res.text();
    const headers = (await fakeLog(id)).lastHeaders;
    expect(headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(headers['anthropic-version']).toBe('2023-06-01');
    expect(headers['x-api-key']).toBe('test-anthropic-key');
    expect(headers.authorization).toBeUndefined();
  });

  it('forwards OpenAI-Organization and OpenAI-Project to an OpenAI-dialect server, never Authorization', async () => {
    const id = uniqueId('hdr-o');
    const res = await callGateway({
      body: { model: `local/${scenario({ id, tokens: 1 })}`, messages: [{ role: 'user', content: 'Hi' }] },
      headers: { 'OpenAI-Organization': 'org-1', 'OpenAI-Project': 'proj-1', authorization: 'Bearer client-key' },
    });
    await res.text();
    const headers = (await fakeLog(id)).lastHeaders;
    expect(headers).toMatchObject({ 'openai-organization': 'org-1', 'openai-project': 'proj-1' });
    expect(headers.authorization).toBeUndefined();
    expect(res.headers.get('x-infe-upstream-request-id')).toMatch(/^req_fake/);
  });
});
