// Fake OpenAI/Anthropic upstream on 127.0.0.1 for integration tests and the
// benchmark. Behaviour is chosen per request by the `model` string (see scenario.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANTHROPIC_REQUEST_ID, anthropicWire } from './anthropic-wire.ts';
import { continuationAsk, type Resumption, resumeAt } from './continuation.ts';
import { LogWatch } from './log-watch.ts';
import { moderationReply } from './moderation.ts';
import { openaiWire } from './openai-wire.ts';
import { PrefixCache, promptUnits } from './prefix-cache.ts';
import { emptyLog, type RequestLog } from './request-log.ts';
import { Conn, drive } from './respond.ts';
import { responsesWire } from './responses-wire.ts';
import { contentUnits, parseScenario } from './scenario.ts';
import type { Wire, WireCtx } from './wire.ts';

export { scenario } from './scenario.ts';

export type FakeProvider = { url: string; port: number; close(): Promise<void> };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** A non-negative number from the query string (milliseconds or a count), at most 60,000. */
function bounded(req: IncomingMessage, name: string, fallback: number): number {
  const value = Number(new URL(req.url ?? '/', 'http://fake').searchParams.get(name) ?? fallback);
  return Number.isFinite(value) && value >= 0 ? Math.min(60_000, value) : fallback;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** The last message's tool result (OpenAI `tool` message, Anthropic `tool_result` block, Responses `function_call_output`). */
function lastToolResult(body: Record<string, unknown>): string | undefined {
  const item = Array.isArray(body.input) ? body.input.at(-1) : undefined;
  if (isRecord(item) && item.type === 'function_call_output') return String(item.output);
  const last = Array.isArray(body.messages) ? body.messages.at(-1) : undefined;
  if (!isRecord(last)) return undefined;
  if (last.role === 'tool') return typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  const block = Array.isArray(last.content)
    ? last.content.find((b) => isRecord(b) && b.type === 'tool_result')
    : undefined;
  return isRecord(block) ? JSON.stringify(block.content) : undefined;
}

// Roughly 4 chars per token, like real tokenizers on English; only needs to be stable.
function promptTokens(body: Record<string, unknown>): number {
  return Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.input ?? '').length / 4));
}

export async function startFakeProvider(port = 0): Promise<FakeProvider> {
  const logs = new Map<string, RequestLog>();
  /** TTFT overrides by `speed_key`, set through the control API while a test runs. */
  const speeds = new Map<string, number>();
  const prefixCaches = new Map<string, PrefixCache>();
  const conns = new Set<Conn>();
  const watch = new LogWatch();
  let closing = false;
  let seq = 0;

  const logFor = (id: string): RequestLog => {
    const existing = logs.get(id);
    if (existing !== undefined) return existing;
    const log = emptyLog();
    logs.set(id, log);
    return log;
  };

  async function generate(
    req: IncomingMessage,
    res: ServerResponse,
    wire: Wire,
    kind: 'openai' | 'anthropic' | 'responses',
  ): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, wire.errorBody(400, 'fake-provider: request body is not valid JSON'));
    }
    if (!isRecord(body) || typeof body.model !== 'string')
      return sendJson(res, 400, wire.errorBody(400, 'fake-provider: body must be an object with a string `model`'));
    const parsed = parseScenario(body.model);
    if (!parsed.ok) return sendJson(res, 400, wire.errorBody(400, `fake-provider: ${parsed.error}`));
    let s = parsed.scenario;
    if (s.speedKey !== null) s = { ...s, ttft: speeds.get(s.speedKey) ?? s.ttft };
    if (s.toolThenAnswer) {
      const result = lastToolResult(body);
      s = result === undefined ? { ...s, tool: true } : { ...s, tool: false, text: `The tool said: ${result}` };
    }

    // Logged before header validation so tests can see what the gateway actually sent.
    const log = logFor(s.id);
    log.requests++;
    log.lastBody = body;
    log.lastHeaders = flatHeaders(req);
    watch.changed(s.id);
    if (s.prefixCache !== null) {
      const cache = prefixCaches.get(s.id) ?? new PrefixCache();
      prefixCaches.set(s.id, cache);
      const units = promptUnits(kind === 'anthropic' ? 'anthropic' : 'openai', body);
      log.lastPrefix = cache.lookup(units);
      // Prefill: the uncached part of the prompt delays the first token, and is cached only once done.
      const prefillMs = Math.round((log.lastPrefix.uncachedChars / 1000) * s.prefixCache);
      setTimeout(() => cache.store(units), prefillMs).unref();
      s = { ...s, ttft: s.ttft + prefillMs };
    }
    const attempt = log.requests;

    const n = ++seq;
    const headers: Record<string, string> =
      kind === 'anthropic' ? { 'request-id': ANTHROPIC_REQUEST_ID } : { 'x-request-id': `req_fake${n}` };
    const id = s.id;
    const conn = new Conn(
      res,
      s.chunk,
      (bytes) => {
        log.bytesWritten += bytes;
        watch.changed(id);
      },
      (waiting) => watch.waitingForDrain(id, waiting),
    );
    conns.add(conn);
    res.on('finish', () => {
      log.completed++;
      watch.changed(id);
    });
    res.on('close', () => {
      conns.delete(conn);
      conn.abort();
      if (!res.writableEnded && !conn.selfDestroyed && !closing) {
        log.hungUp++;
        log.lastHangupAt = Date.now();
        watch.changed(id);
      }
    });

    if (kind === 'anthropic' && typeof req.headers['anthropic-version'] !== 'string')
      return sendJson(res, 400, wire.errorBody(400, 'anthropic-version: header is required'), headers);
    const ask = s.tool ? null : continuationAsk(kind, body);
    if (ask && 'refuse' in ask) return sendJson(res, 400, wire.errorBody(400, ask.refuse), headers);
    let resume: Resumption | undefined;
    if (ask) {
      resume = resumeAt(contentUnits(s), ask.prefix) ?? undefined;
      if (!resume)
        return sendJson(res, 400, wire.errorBody(400, 'fake-provider: the prefix is not this reply'), headers);
      log.continuations++;
    }

    const opts = isRecord(body.stream_options) ? body.stream_options : {};
    const ctx: WireCtx = {
      id: { openai: `chatcmpl-fake${n}`, anthropic: `msg_fake${n}`, responses: `resp_fake${n}` }[kind],
      toolId: kind === 'anthropic' ? `toolu_fake${n}` : `call_fake${n}`,
      model: body.model,
      created: Math.floor(Date.now() / 1000),
      promptTokens: promptTokens(body),
      tool: s.tool,
      usage: !s.noUsage,
      includeUsage: kind === 'openai' && opts.include_usage === true,
      obfuscation: kind !== 'anthropic' && opts.include_obfuscation !== false,
      usageTwice: s.usageTwice,
      usagePartial: s.usagePartial,
      cached: s.cached,
      reasoning: s.reasoning,
      costMicros: s.costMicros,
    };
    const fail = s.status !== null && (s.failTimes === null || attempt <= s.failTimes);
    await drive(conn, { wire, ctx, scenario: s, stream: body.stream === true, fail, headers, resume });
  }

  /** Anthropic's count_tokens: the same rough count the streams report, logged like a generation. */
  async function countTokens(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 400, anthropicWire.errorBody(400, 'fake-provider: request body is not valid JSON'));
    }
    if (!isRecord(body) || typeof body.model !== 'string')
      return sendJson(res, 400, anthropicWire.errorBody(400, 'fake-provider: body must have a string `model`'));
    const parsed = parseScenario(body.model);
    const log = logFor(parsed.ok ? parsed.scenario.id : 'default');
    log.requests++;
    log.lastBody = body;
    log.lastHeaders = flatHeaders(req);
    const headers = { 'request-id': ANTHROPIC_REQUEST_ID };
    if (typeof req.headers['anthropic-version'] !== 'string')
      return sendJson(res, 400, anthropicWire.errorBody(400, 'anthropic-version: header is required'), headers);
    log.completed++;
    sendJson(res, 200, JSON.stringify({ input_tokens: promptTokens(body) }), headers);
  }

  async function setSpeed(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    let ttft: unknown;
    try {
      ttft = (JSON.parse(await readBody(req)) as { ttft?: unknown }).ttft;
    } catch {}
    if (typeof ttft !== 'number' || !Number.isInteger(ttft) || ttft < 0)
      return sendJson(res, 400, JSON.stringify({ error: 'body must be {"ttft": <integer ms >= 0>}' }));
    speeds.set(key, ttft);
    sendJson(res, 200, '{"ok":true}');
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const m = /^\/_control\/log\/([^/]+)$/.exec(path);
    const speed = /^\/_control\/speed\/([^/]+)$/.exec(path);
    const stall = /^\/_control\/stall\/([^/]+)$/.exec(path);
    const until = /^\/_control\/until\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && path === '/_control/reset') {
      logs.clear();
      speeds.clear();
      prefixCaches.clear();
      sendJson(res, 200, '{"ok":true}');
    } else if (req.method === 'POST' && speed?.[1] !== undefined) {
      await setSpeed(req, res, decodeURIComponent(speed[1]));
    } else if (req.method === 'GET' && stall?.[1] !== undefined) {
      // Long-polls: answers once the id's response is held by backpressure, or after within_ms.
      const id = decodeURIComponent(stall[1]);
      const stalled = await watch.stalled(id, bounded(req, 'quiet_ms', 500), bounded(req, 'within_ms', 10_000));
      sendJson(res, 200, JSON.stringify({ stalled, ...(logs.get(id) ?? emptyLog()) }));
    } else if (req.method === 'GET' && until?.[1] !== undefined) {
      // Long-polls: answers once the id has seen `requests` requests, `hung_up` hang-ups and `ended`
      // responses ended either way (hung up or completed), or after within_ms.
      const id = decodeURIComponent(until[1]);
      const [requests, hungUp, ended] = ['requests', 'hung_up', 'ended'].map((name) => bounded(req, name, 0));
      const reached = () => {
        const log = logs.get(id) ?? emptyLog();
        return (
          log.requests >= (requests ?? 0) && log.hungUp >= (hungUp ?? 0) && log.hungUp + log.completed >= (ended ?? 0)
        );
      };
      await watch.until(id, reached, bounded(req, 'within_ms', 5000));
      sendJson(res, 200, JSON.stringify(logs.get(id) ?? emptyLog()));
    } else if (req.method === 'GET' && m?.[1] !== undefined) {
      sendJson(res, 200, JSON.stringify(logs.get(decodeURIComponent(m[1])) ?? emptyLog()));
    } else {
      sendJson(res, 404, JSON.stringify({ error: `no control route ${req.method} ${path}` }));
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path.startsWith('/_control/')) return control(req, res, path);
    if (req.method === 'POST' && path === '/v1/chat/completions') return generate(req, res, openaiWire, 'openai');
    if (req.method === 'POST' && path === '/v1/messages') return generate(req, res, anthropicWire, 'anthropic');
    if (req.method === 'POST' && path === '/v1/responses') return generate(req, res, responsesWire, 'responses');
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') return countTokens(req, res);
    if (req.method === 'POST' && path === '/v1/moderations') {
      const reply = await moderationReply(await readBody(req));
      return sendJson(res, reply.status, reply.body);
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const model = (id: string) => ({ id, object: 'model', created: 1700000000, owned_by: 'fake-provider' });
      return sendJson(res, 200, JSON.stringify({ object: 'list', data: [model('fake'), model('fake-large')] }));
    }
    sendJson(res, 404, openaiWire.errorBody(404, `fake-provider: no route ${req.method} ${path}`));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      // A crash here is a fake-provider bug; surface it instead of hanging the test.
      console.error('fake-provider: handler failed', err);
      if (!res.headersSent) sendJson(res, 500, openaiWire.errorBody(500, `fake-provider crashed: ${String(err)}`));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    async close(): Promise<void> {
      closing = true;
      for (const conn of conns) conn.abort();
      conns.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
