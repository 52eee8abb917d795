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
 * { ok, headersMs, ttftMs, totalMs, events, error }. TTFT is taken when the network chunk holding the first
 * non-empty `delta.content` arrives, before any parsing of it, so parsing cost is not counted.
 */
export function streamOnce({ url, agent, model, expectedText, signal, timeoutMs, headers = {}, extraBody = {} }) {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }], ...extraBody });
  const target = new URL('/v1/chat/completions', url);
  return new Promise((resolve) => {
    const result = { ok: false, status: 0, headersMs: null, ttftMs: null, totalMs: null, events: 0, error: null };
    let text = '';
    let done = false;
    let pending = '';
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      if (error && requestSignal.aborted)
        error = `aborted (${requestSignal.reason?.name ?? 'abort'}) after ${result.events} events: ${error}`;
      result.totalMs = performance.now() - t0;
      if (!error && !done) error = 'stream ended without data: [DONE]';
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
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trimStart();
          if (data === '[DONE]') {
            done = true;
            continue;
          }
          let event;
          try {
            event = JSON.parse(data);
          } catch {
            return finish(`unparsable SSE data: ${data.slice(0, 120)}`);
          }
          if (event.error) return finish(`error event: ${JSON.stringify(event.error).slice(0, 200)}`);
          result.events++;
          const content = event.choices?.[0]?.delta?.content;
          if (typeof content === 'string' && content !== '') {
            if (result.ttftMs === null) result.ttftMs = now - t0;
            text += content;
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
