// The measuring client: one streaming chat completion, timed from send to first content delta.
import http from 'node:http';

/**
 * One keep-alive pool per target, so neither path pays a TCP handshake in the measured requests
 * (the warm-up opens the sockets). maxSockets above the highest concurrency: a request must never
 * queue inside the agent, or the queueing would count as TTFT.
 *
 * Idle sockets are dropped after 10 s. workerd closes a client connection after 15 s idle and,
 * unlike Node servers, announces no `Keep-Alive: timeout=`, so Node's agent would keep the socket
 * and, if it writes the next request just as workerd closes it, the request fails with
 * ECONNRESET before any Worker sees it (reproduced: a request after exactly 15.000 s idle). Under
 * load, with many sockets idling between a mode's blocks, that hit a few requests per run, on
 * any Worker. undici (fetch, the OpenAI SDK) expires idle sockets after 4 s by default.
 */
export function keepAliveAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 10_000 });
}

/**
 * POSTs a streaming chat completion and reads it to the end. Resolves (never rejects) with
 * { ok, headersMs, ttftMs, totalMs, events, gapsMs, error }. TTFT is taken when the network chunk holding the first
 * non-empty `delta.content` arrives, before any parsing of it, so parsing cost is not counted.
 */
export function streamOnce({ model, extraBody = {}, ...rest }) {
  const body = { model, stream: true, messages: [{ role: 'user', content: 'hi' }], ...extraBody };
  return timedSse({ ...rest, path: '/v1/chat/completions', body, onFrame: chatFrame });
}

function chatFrame(_event, data) {
  if (data === '[DONE]') return { done: true };
  const event = JSON.parse(data);
  if (event.error) return { error: `error event: ${JSON.stringify(event.error).slice(0, 200)}` };
  const content = event.choices?.[0]?.delta?.content;
  return { text: typeof content === 'string' ? content : '' };
}

/** The same reply through `POST /v1/responses`, timed to the first `response.output_text.delta`. */
export function responsesStreamOnce({ model, extraBody = {}, ...rest }) {
  const body = { model, stream: true, input: 'hi', ...extraBody };
  return timedSse({ ...rest, path: '/v1/responses', body, onFrame: responsesFrame });
}

function responsesFrame(event, data) {
  if (event === 'response.output_text.delta') return { text: JSON.parse(data).delta };
  if (event === 'response.completed') return { done: true };
  if (event === 'error' || event === 'response.failed' || event === 'response.incomplete')
    return { error: `${event}: ${data.slice(0, 200)}` };
  return { counted: false };
}

/** Sessions between turns, per gateway and model: a client keeps its session across turns. */
const idleSessions = new Map();

/**
 * One turn of a session: an idle one of an earlier turn, or a new one (created untimed), then
 * POSTs the message with `stream: true` and reads the turn's SSE to the end. Timed like
 * streamOnce, from sending the message to the first `token` event. At most `concurrency`
 * sessions exist per model; the warm-up creates them, the measured turns reuse them.
 */
export async function sessionTurnOnce({ model, extraBody = {}, ...rest }) {
  const key = `${rest.url} ${model}`;
  let id = idleSessions.get(key)?.pop();
  if (!id) {
    const created = await postJson(new URL('/v1/sessions', rest.url), { model }, rest);
    if (!created.ok) return { ...EMPTY_RESULT, status: created.status, error: `session create: ${created.error}` };
    id = created.json.id;
  }
  const path = `/v1/sessions/${id}/messages`;
  const result = await timedSse({
    ...rest,
    path,
    body: { content: 'hi', stream: true, ...extraBody },
    onFrame: sessionFrame,
  });
  if (result.ok) idleSessions.set(key, [...(idleSessions.get(key) ?? []), id]);
  return result;
}

function sessionFrame(event, data) {
  const payload = JSON.parse(data);
  if (event === 'token') return { text: payload.text };
  if (event === 'error') return { error: `error event: ${data.slice(0, 200)}` };
  if (event === 'finish')
    return payload.reason === 'stop' ? { done: true } : { error: `turn finished with ${payload.reason}` };
  return { counted: false };
}

const EMPTY_RESULT = {
  ok: false,
  status: 0,
  headersMs: null,
  ttftMs: null,
  totalMs: null,
  events: 0,
  error: null,
  gapsMs: [],
};

function postJson(url, value, { agent, signal, timeoutMs, headers = {} }) {
  const body = JSON.stringify(value);
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', (err) => resolve({ ok: false, status: 0, error: err.code ?? err.message }));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('error', (err) => resolve({ ok: false, status: res.statusCode, error: err.code ?? err.message }));
      res.on('end', () => {
        if (res.statusCode >= 300) return resolve({ ok: false, status: res.statusCode, error: text.slice(0, 300) });
        try {
          resolve({ ok: true, status: res.statusCode, json: JSON.parse(text) });
        } catch {
          resolve({ ok: false, status: res.statusCode, error: `unparsable JSON: ${text.slice(0, 120)}` });
        }
      });
    });
    req.end(body);
  });
}

/**
 * POSTs `body`, reads the SSE answer and hands each frame's `event` name and `data` to
 * `onFrame`, which returns { text } (content, counted as an event), { done }, { error } or
 * { counted: false }. The stream is good when it ended after `done` with `expectedText`.
 */
function timedSse({ url, path, agent, expectedText, signal, timeoutMs, headers = {}, body: value, onFrame }) {
  const body = JSON.stringify(value);
  const target = new URL(path, url);
  return new Promise((resolve) => {
    const result = { ...EMPTY_RESULT, gapsMs: [] };
    let text = '';
    let lastContentAt = 0;
    let done = false;
    let pending = '';
    let eventName = '';
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      if (error && requestSignal.aborted)
        error = `aborted (${requestSignal.reason?.name ?? 'abort'}) after ${result.events} events: ${error}`;
      result.totalMs = performance.now() - t0;
      if (!error && !done) error = 'stream ended before its end marker';
      if (!error && text !== expectedText)
        error = `text mismatch: got ${text.length} chars, expected ${expectedText.length} (starts ${JSON.stringify(text.slice(0, 40))})`;
      result.error = error ?? null;
      result.ok = !error;
      resolve(result);
    };
    const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);

    const t0 = performance.now();
    const req = http.request(target, {
      method: 'POST',
      agent,
      signal: requestSignal,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', (err) => finish(`request error: ${err.code ?? err.message}`));
    req.on('response', (res) => {
      result.status = res.statusCode;
      result.headersMs = performance.now() - t0;
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let errBody = '';
        res.on('data', (d) => (errBody += d));
        res.on('end', () => finish(`HTTP ${res.statusCode}: ${errBody.slice(0, 300)}`));
        res.on('error', () => finish(`HTTP ${res.statusCode}`));
        return;
      }
      res.on('data', (chunk) => {
        const now = performance.now();
        pending += chunk;
        for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          if (line === '') eventName = '';
          else if (line.startsWith('event:')) eventName = line.slice(6).trim();
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trimStart();
          let frame;
          try {
            frame = onFrame(eventName, data);
          } catch {
            return finish(`unparsable SSE data: ${data.slice(0, 120)}`);
          }
          if (frame.error) return finish(frame.error);
          if (frame.done) {
            done = true;
            continue;
          }
          if (frame.counted === false) continue;
          result.events++;
          if (frame.text) {
            if (result.ttftMs === null) result.ttftMs = now - t0;
            // Gaps between network chunks carrying content: two events in one chunk are one arrival.
            else if (now > lastContentAt) result.gapsMs.push(now - lastContentAt);
            lastContentAt = now;
            text += frame.text;
          }
        }
      });
      res.on('end', () => finish(null));
      res.on('error', (err) => finish(`response error: ${err.code ?? err.message}`));
      // A socket torn down mid-body ends in 'aborted'/'close' without 'end'.
      res.on('close', () => finish(res.complete ? null : 'connection closed mid-stream'));
    });
    req.end(body);
  });
}

/**
 * Runs `count` measured calls of `one()` with `concurrency` in flight. With `ramp`, each worker's
 * first call is started at a staggered time over `spreadMs` and returned separately: those calls
 * ran while the others were still starting, so they would understate TTFT under steady load.
 * Stops launching once `signal` aborts.
 */
export async function runPool({ count, concurrency, ramp, spreadMs, signal, one }) {
  const measured = [];
  const rampResults = [];
  let next = 0;
  const worker = async (k) => {
    if (ramp) {
      await new Promise((r) => setTimeout(r, (spreadMs * k) / concurrency));
      if (!signal.aborted) rampResults.push(await one());
    }
    while (next < count && !signal.aborted) {
      next++;
      measured.push(await one());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, k) => worker(k)));
  return { measured, ramp: rampResults };
}
