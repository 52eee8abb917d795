// @ts-check
import { refreshControls, status } from './controls.js';
import { els, h } from './dom.js';
import { ReplyMeter } from './meter.js';
import { saved } from './store.js';
import { live, turns } from './turns.js';

/**
 * One view per turn: the user's message and the reply, with its own meter. Text is rendered as
 * it arrives, with the guard's `[REDACTED:…]` placeholders marked.
 * @typedef {import('./turns.js').Turn} Turn
 * @typedef {import('./turns.js').ReplyState} ReplyState
 */

const REDACTED = /\[REDACTED:[^\]\s]{1,40}\]/g;

/**
 * @param {string} content
 * @param {{ turnId?: string | null, kind?: import('./turns.js').TurnKind, sentAt?: number | null, state?: ReplyState, model?: string }} [options]
 * @returns {Turn}
 */
export function addTurn(content, options = {}) {
  els.hint.hidden = true;
  // Whatever the status line said was about an earlier turn.
  status('');
  const item = h('li', 'turn');
  const user = h('div', 'msg user');
  user.append(h('span', 'who', 'You'), h('p', 'text', content));
  const reply = h('div', 'msg reply');
  const head = h('div', 'reply-head');
  const badges = h('span', 'badges');
  const model = options.model ?? saved.model ?? els.model.value;
  const via = { session: '', json: ' · JSON mode', responses: ' · Responses' }[options.kind ?? 'session'];
  head.append(h('span', 'who', `${model}${via}`), badges);
  const body = h('p', 'text');
  const tail = document.createTextNode('');
  body.append(tail);
  const meta = h('div', 'meta');
  reply.append(head, body, meta);
  item.append(user, reply);
  els.messages.append(item);
  /** @type {Turn} */
  const turn = {
    turnId: options.turnId ?? null,
    content,
    reply,
    body,
    tail,
    meta,
    badges,
    text: '',
    rendered: 0,
    seq: 0,
    state: 'waiting',
    meter: new ReplyMeter(options.sentAt ?? null),
    kind: options.kind ?? 'session',
  };
  if (turn.turnId) turns.set(turn.turnId, turn);
  setState(turn, options.state ?? 'waiting');
  return turn;
}

/** @param {Turn} turn @param {ReplyState} state */
export function setState(turn, state) {
  turn.state = state;
  turn.reply.dataset.state = state;
  if (state === 'waiting' || state === 'streaming') live.add(turn);
  else {
    live.delete(turn);
    flushText(turn);
  }
  const labels = { interrupted: 'stopped', failed: 'failed' };
  const label = /** @type {Record<string, string>} */ (labels)[state];
  turn.badges.querySelector('.state')?.remove();
  if (label) turn.badges.prepend(h('span', `badge state ${state}`, label));
  refreshControls();
}

/** @param {Turn} turn @param {string} text */
export function appendText(turn, text) {
  turn.text += text;
  if (turn.state === 'waiting') setState(turn, 'streaming');
}

/**
 * Turns text into nodes up to the last `[` that could still open a `[REDACTED:…]`
 * placeholder; what follows stays in the tail text node until it is settled.
 * @param {Turn} turn
 */
export function renderText(turn) {
  const open = turn.text.lastIndexOf('[');
  const unsettled = open >= turn.rendered && !turn.text.includes(']', open) && turn.text.length - open < 48;
  const end = unsettled ? open : turn.text.length;
  if (end > turn.rendered) {
    const piece = turn.text.slice(turn.rendered, end);
    let at = 0;
    for (const match of piece.matchAll(REDACTED)) {
      if (match.index > at) turn.body.insertBefore(document.createTextNode(piece.slice(at, match.index)), turn.tail);
      const mark = h('mark', 'redacted', match[0]);
      mark.title = 'Redacted by the gateway guard';
      turn.body.insertBefore(mark, turn.tail);
      flag(turn, 'redact', match[0].slice(10, -1));
      at = match.index + match[0].length;
    }
    if (at < piece.length) turn.body.insertBefore(document.createTextNode(piece.slice(at)), turn.tail);
    turn.rendered = end;
  }
  const rest = turn.text.slice(turn.rendered);
  if (turn.tail.data !== rest) turn.tail.data = rest;
}

/** @param {Turn} turn */
function flushText(turn) {
  renderText(turn);
  if (turn.tail.data) {
    turn.body.insertBefore(document.createTextNode(turn.tail.data), turn.tail);
    turn.rendered = turn.text.length;
    turn.tail.data = '';
  }
}

/** A guard action: a badge on the reply (once per action and rule). @param {Turn} turn @param {string} action @param {string} rule */
export function flag(turn, action, rule) {
  const key = `${action}:${rule}`;
  if (turn.badges.querySelector(`[data-guard="${CSS.escape(key)}"]`)) return;
  const badge = h('span', `badge guard ${action}`, `guard: ${action} ${rule}`);
  badge.dataset.guard = key;
  turn.badges.append(badge);
  turn.reply.classList.add('guarded');
}

/** A reply costs fractions of a cent: two significant digits say it without a row of zeros. */
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 });
const fmt = (/** @type {number | null} */ v, digits = 0) => (v === null ? '–' : v.toFixed(digits));

const CACHED = { hit: 'cache hit', collapsed: 'collapsed' };

/** A reply the gateway answered from its cache (or by joining one in flight): a badge, with the TTFT once known. @param {Turn} turn @param {string | null} status */
export function markCached(turn, status) {
  if (status !== 'hit' && status !== 'collapsed') return;
  turn.cache = status;
  turn.badges.append(h('span', `badge cache ${status}`, CACHED[status]));
}

/** The reply's timings: only those it has (a reply that failed before its first token has none). @param {Turn} turn */
export function renderMeta(turn) {
  const m = turn.meter;
  const cached = turn.cache && turn.badges.querySelector('.badge.cache');
  if (cached && turn.cache && m.ttft !== null) cached.textContent = `${CACHED[turn.cache]} · ${fmt(m.ttft)} ms`;
  /** @type {Array<[string, string, string]>} */
  const items = [];
  if (m.tokens > 0) {
    const unmeasured = turn.elsewhere ? 'sent elsewhere' : 'resumed';
    items.push(['ttft', 'TTFT', m.sentAt === null ? unmeasured : `${fmt(m.ttft)} ms`]);
    if (m.tokensPerSecond !== null) items.push(['tps', 'tok/s', fmt(m.tokensPerSecond, 1)]);
    if (m.gaps.length) items.push(['gap', 'gap p50 / max', `${fmt(m.gap(0.5))} / ${fmt(m.maxGap)} ms`]);
    items.push(['tokens', 'tokens', String(m.tokens)]);
  }
  if (turn.gateway) items.push(['gw', 'gateway TTFT', `${Math.round(turn.gateway.ttftMs)} ms`]);
  if (turn.cost !== undefined) items.push(['cost', 'cost', usd.format(turn.cost)]);
  if (items.length === 0) return turn.meta.replaceChildren();
  const dl = h('dl');
  for (const [key, name, value] of items) {
    const group = h('div', key);
    group.append(h('dt', '', name), h('dd', '', value));
    dl.append(group);
  }
  turn.meta.replaceChildren(dl);
}

/** An error under the reply, styled alike in chat and JSON mode. @param {Turn} turn @param {string} message */
export function fail(turn, message) {
  note(turn, 'error', message);
  setState(turn, 'failed');
}

/** A line under the reply's text (error, why it stopped); one of each kind. @param {Turn} turn @param {string} kind @param {string} text */
export function note(turn, kind, text) {
  const line = turn.reply.querySelector(`:scope > p.${kind}`) ?? h('p', kind);
  line.textContent = text;
  turn.reply.insertBefore(line, turn.meta);
}

const STOPPED = /** @type {Record<import('./turns.js').StopCause, string>} */ ({
  stop: '',
  redirect: 'Redirected to your new message.',
  elsewhere: 'Stopped elsewhere: by another tab or an API call.',
});

/** Says why the reply stopped, when this tab did not stop it itself. @param {Turn} turn */
export function explainStop(turn) {
  const why = STOPPED[turn.stopCause ?? 'elsewhere'];
  if (why) note(turn, 'stop-reason', why);
}

/** A reply stopped elsewhere, then another viewer's message started: it was redirected. @param {Turn} turn */
export function redirectedElsewhere(turn) {
  if (turn.state !== 'interrupted' || turn.stopCause) return;
  turn.stopCause = 'elsewhere';
  note(turn, 'stop-reason', 'Redirected: another tab sent a new message.');
}
