// @ts-check
import { api, errorOf, json } from './api.js';
import { els, h } from './dom.js';
import { followLatest } from './scroll-follow.js';
import { recordTtft } from './ttft-panel.js';
import { streamTurn } from './turn-stream.js';
import { addTurn, appendText, fail, flag, setState } from './turn-view.js';

/**
 * JSON mode: one chat completion with response_format json_object and annotations on; the
 * `partial-object` annotations render as a live object, then the verdict and the gateway's metrics.
 * @typedef {import('./turns.js').Turn} Turn
 */

/** @type {AbortController | undefined} */
let jsonAbort;

/** Stop: hang up the running completion (the gateway aborts the upstream request). */
export function stopJson() {
  jsonAbort?.abort();
}

/** @param {string} content */
export async function sendJson(content) {
  jsonAbort?.abort();
  const abort = new AbortController();
  jsonAbort = abort;
  const sentAt = performance.now();
  const turn = addTurn(content, { kind: 'json', sentAt, model: els.model.value });
  turn.object = /** @type {HTMLPreElement} */ (h('pre', 'object'));
  turn.object.hidden = true;
  turn.result = h('div', 'result');
  turn.body.classList.add('raw');
  turn.reply.insertBefore(turn.object, turn.body);
  turn.reply.insertBefore(turn.result, turn.meta);
  followLatest();
  /** @type {Record<string, unknown>} */
  const request = {
    model: els.model.value,
    stream: true,
    messages: [
      { role: 'system', content: 'Answer with one JSON object.' },
      { role: 'user', content },
    ],
    response_format: { type: 'json_object' },
    stream_options: { include_usage: true },
    infe: { structured: { partial_objects: true } },
  };
  const post = () =>
    api('/v1/chat/completions', {
      ...json(request),
      headers: { 'content-type': 'application/json', 'x-infe-annotations': '1', accept: 'text/event-stream' },
      signal: abort.signal,
    });
  const open = async () => {
    const res = await post();
    if (res.status !== 400) return res;
    const error = await errorOf(res);
    // A gateway without per-request structured options: ask again without them.
    if (!String(error.param ?? '').startsWith('infe')) {
      fail(turn, error.message);
      return undefined;
    }
    delete request.infe;
    return post();
  };
  await streamTurn(turn, abort.signal, open, (data, now) => {
    if (data === '[DONE]') return;
    const chunk = JSON.parse(data);
    if (chunk.error) return fail(turn, chunk.error.message);
    if (chunk.infe) return annotate(turn, chunk.infe);
    if (typeof chunk.usage?.cost === 'number') turn.cost = chunk.usage.cost;
    const choice = chunk.choices?.[0];
    if (choice?.delta?.content) {
      appendText(turn, choice.delta.content);
      turn.meter.token(now);
      if (turn.meter.tokens === 1) recordTtft(turn.meter.ttft);
    }
    if (choice?.finish_reason) setState(turn, 'done');
  });
}

/**
 * @param {Turn} turn
 * @param {{ type: string, [key: string]: any }} note
 */
function annotate(turn, note) {
  switch (note.type) {
    case 'partial-object':
      if (turn.object) {
        // One view of the reply: the object replaces the raw text it is parsed from.
        turn.object.hidden = false;
        turn.body.hidden = true;
        turn.object.textContent = JSON.stringify(note.value, null, 2);
      }
      break;
    case 'structured-result': {
      if (!turn.result) break;
      const ok = note.valid === true;
      const line = h('p', `verdict ${ok ? 'valid' : 'invalid'}`, ok ? '✓ valid JSON' : '✗ not valid');
      turn.result.replaceChildren(line);
      if (note.stoppedEarly) line.append(' · stopped early');
      for (const error of note.errors ?? []) turn.result.append(h('p', 'why', String(error)));
      break;
    }
    case 'metrics':
      turn.gateway = { ttftMs: note.ttftMs, tokensPerSecond: note.tokensPerSecond };
      break;
    case 'guard':
      flag(turn, note.action, note.rule);
      break;
  }
}
