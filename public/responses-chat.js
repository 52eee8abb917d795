// @ts-check
import { api, json } from './api.js';
import { els } from './dom.js';
import { followLatest } from './scroll-follow.js';
import { persist, saved } from './store.js';
import { recordTtft } from './ttft-panel.js';
import { streamTurn } from './turn-stream.js';
import { addTurn, appendText, fail, note, setState } from './turn-view.js';

/**
 * Chat through the Responses API: each message is one streamed `POST /v1/responses` with
 * `store: true`, continuing the previous response server-side through `previous_response_id`.
 * Foreground only: Stop hangs up, and the gateway aborts the upstream request.
 * @typedef {import('./turns.js').Turn} Turn
 */

/** The last response the conversation can continue from (kept in memory: a reload starts anew). */
let previousId = /** @type {string | undefined} */ (undefined);
/** @type {AbortController | undefined} */
let responseAbort;

/** Which API chat uses, from the toggle; kept across reloads. */
export function apiMode() {
  return els.api.value === 'responses' ? 'responses' : 'sessions';
}

/** @param {'sessions' | 'responses'} mode */
export function setApiMode(mode) {
  els.api.value = mode;
  saved.api = mode;
  persist();
}

/** A new conversation: the next message starts a new chain. */
export function forgetResponses() {
  responseAbort?.abort();
  previousId = undefined;
}

/** Stop: hang up the running response. */
export function stopResponse() {
  responseAbort?.abort();
}

/** @param {string} content */
export async function sendResponse(content) {
  responseAbort?.abort();
  const abort = new AbortController();
  responseAbort = abort;
  const turn = addTurn(content, { kind: 'responses', sentAt: performance.now(), model: els.model.value });
  followLatest();
  const request = {
    model: els.model.value,
    input: content,
    stream: true,
    store: true,
    ...(previousId ? { previous_response_id: previousId } : {}),
  };
  const open = () => api('/v1/responses', { ...json(request), signal: abort.signal });
  await streamTurn(turn, abort.signal, open, (data, now) => apply(turn, JSON.parse(data), now));
}

/**
 * One Responses stream event. A response that ends `incomplete` or `failed` says why under the
 * reply; one that finished (even incomplete) is what the next message continues from.
 * @param {Turn} turn
 * @param {{ type: string, [key: string]: any }} event
 * @param {number} now
 */
function apply(turn, event, now) {
  if (typeof event.response?.usage?.cost === 'number') turn.cost = event.response.usage.cost;
  switch (event.type) {
    case 'response.created':
      turn.reply.dataset.responseId = event.response.id;
      break;
    case 'response.output_text.delta':
    case 'response.refusal.delta':
      appendText(turn, event.delta);
      turn.meter.token(now);
      if (turn.meter.tokens === 1) recordTtft(turn.meter.ttft);
      break;
    case 'response.completed':
      previousId = event.response.id;
      setState(turn, 'done');
      break;
    case 'response.incomplete':
      previousId = event.response.id;
      note(turn, 'stop-reason', `Incomplete: ${event.response.incomplete_details?.reason ?? 'no reason given'}.`);
      setState(turn, 'interrupted');
      break;
    case 'response.failed':
      fail(turn, event.response.error?.message ?? 'The response failed.');
      break;
    case 'error':
      if (turn.state === 'waiting' || turn.state === 'streaming') fail(turn, event.message ?? 'The response failed.');
      break;
  }
}
