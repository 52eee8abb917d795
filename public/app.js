// @ts-check
import { drawTtftChart, ReplyMeter } from './meter.js';
import { sseBatches } from './sse.js';

/**
 * The playground: chat through the session API (POST /v1/sessions/:id/messages, SSE), Stop
 * (interrupt), redirect by sending during a reply, resume after a reload (Last-Event-ID), live
 * timings, guard marks, JSON mode over /v1/chat/completions with annotations, and the request log.
 */

const STORE_KEY = 'infe.playground';
const REDACTED = /\[REDACTED:[^\]\s]{1,40}\]/g;

/** @template {HTMLElement} T @param {string} id @returns {T} */
const byId = (id) => /** @type {T} */ (document.getElementById(id));
const els = {
  model: /** @type {HTMLSelectElement} */ (byId('model')),
  messages: byId('messages'),
  hint: byId('empty-hint'),
  form: /** @type {HTMLFormElement} */ (byId('composer')),
  input: /** @type {HTMLTextAreaElement} */ (byId('input')),
  json: /** @type {HTMLInputElement} */ (byId('json-mode')),
  send: /** @type {HTMLButtonElement} */ (byId('send')),
  stop: /** @type {HTMLButtonElement} */ (byId('stop')),
  status: byId('status'),
  newChat: /** @type {HTMLButtonElement} */ (byId('new-chat')),
  lastTtft: byId('last-ttft'),
  chart: /** @type {SVGSVGElement} */ (/** @type {unknown} */ (document.getElementById('ttft-chart'))),
  logs: /** @type {HTMLTableElement} */ (byId('logs')),
  logsNote: byId('logs-note'),
  logsRefresh: /** @type {HTMLButtonElement} */ (byId('logs-refresh')),
  keyForm: /** @type {HTMLFormElement} */ (byId('key-form')),
  keyInput: /** @type {HTMLInputElement} */ (byId('key')),
};

// ---------------------------------------------------------------------------------------------
// What survives a reload: the session, the last event id, the reply in flight, recent TTFTs.

/**
 * @typedef {{ turnId: string, text: string, seq: number }} Partial
 * @typedef {{ sessionId?: string, model?: string, warmup?: boolean, lastEventId?: number, partial?: Partial, ttfts?: number[] }} Saved
 */
/** @returns {Saved} */
function load() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY) ?? '{}');
  } catch {
    return {};
  }
}
/** @type {Saved} */
const saved = load();
function persist() {
  clearTimeout(persistTimer);
  persistTimer = undefined;
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(saved));
  } catch {
    // Private mode or full storage: the page still works, it just cannot resume.
  }
}
/** @type {ReturnType<typeof setTimeout> | undefined} */
let persistTimer;
/**
 * While a reply streams, at most every 100 ms: the saved text and event id always belong
 * together, so resuming from an older pair is as exact as from the newest.
 */
function persistSoon() {
  persistTimer ??= setTimeout(persist, 100);
}
addEventListener('pagehide', persist);

// ---------------------------------------------------------------------------------------------
// One view per turn: the user's message and the reply, with its own meter.

/**
 * @typedef {'waiting' | 'streaming' | 'done' | 'interrupted' | 'failed'} ReplyState
 * @typedef {object} Turn
 * @property {string | null} turnId
 * @property {HTMLElement} reply
 * @property {HTMLElement} body
 * @property {Text} tail   the end of the text that might still become a placeholder
 * @property {HTMLElement} meta
 * @property {HTMLElement} badges
 * @property {string} text
 * @property {number} rendered  characters of `text` already turned into nodes before `tail`
 * @property {number} seq       the last session event applied to this turn
 * @property {ReplyState} state
 * @property {ReplyMeter} meter
 * @property {'session' | 'json'} kind
 * @property {HTMLPreElement} [object]
 * @property {HTMLElement} [result]
 * @property {{ ttftMs: number, tokensPerSecond: number } } [gateway]
 */

/** @type {Map<string, Turn>} */
const turns = new Map();
/** @type {Set<Turn>} */
const live = new Set();

/**
 * @param {string} tag @param {string} [className] @param {string} [text]
 * @returns {HTMLElement}
 */
function h(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * @param {string} content
 * @param {{ turnId?: string | null, kind?: 'session' | 'json', sentAt?: number | null, state?: ReplyState, model?: string }} [options]
 * @returns {Turn}
 */
function addTurn(content, options = {}) {
  els.hint.hidden = true;
  const item = h('li', 'turn');
  const user = h('div', 'msg user');
  user.append(h('span', 'who', 'You'), h('p', 'text', content));
  const reply = h('div', 'msg reply');
  const head = h('div', 'reply-head');
  const badges = h('span', 'badges');
  const model = options.model ?? saved.model ?? els.model.value;
  head.append(h('span', 'who', options.kind === 'json' ? `${model} · JSON mode` : model), badges);
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
function setState(turn, state) {
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
function appendText(turn, text) {
  turn.text += text;
  if (turn.state === 'waiting') setState(turn, 'streaming');
}

/**
 * Turns text into nodes up to the last `[` that could still open a `[REDACTED:…]`
 * placeholder; what follows stays in the tail text node until it is settled.
 * @param {Turn} turn
 */
function renderText(turn) {
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
function flag(turn, action, rule) {
  const key = `${action}:${rule}`;
  if (turn.badges.querySelector(`[data-guard="${CSS.escape(key)}"]`)) return;
  const badge = h('span', `badge guard ${action}`, `guard: ${action} ${rule}`);
  badge.dataset.guard = key;
  turn.badges.append(badge);
  turn.reply.classList.add('guarded');
}

const fmt = (/** @type {number | null} */ v, digits = 0) => (v === null ? '–' : v.toFixed(digits));

/** @param {Turn} turn */
function renderMeta(turn) {
  const m = turn.meter;
  /** @type {Array<[string, string, string]>} */
  const items = [
    ['ttft', 'TTFT', m.sentAt === null ? 'resumed' : `${fmt(m.ttft)} ms`],
    ['tps', 'tok/s', fmt(m.tokensPerSecond, 1)],
    ['gap', 'gap p50 / max', m.gaps.length ? `${fmt(m.gap(0.5))} / ${fmt(m.maxGap)} ms` : '–'],
    ['tokens', 'tokens', String(m.tokens)],
  ];
  if (turn.gateway) items.push(['gw', 'gateway TTFT', `${Math.round(turn.gateway.ttftMs)} ms`]);
  const dl = h('dl');
  for (const [key, name, value] of items) {
    const group = h('div', key);
    group.append(h('dt', '', name), h('dd', '', value));
    dl.append(group);
  }
  turn.meta.replaceChildren(dl);
}

/** @param {Turn} turn */
function recordTtft(turn) {
  const ttft = turn.meter.ttft;
  if (ttft === null) return;
  saved.ttfts = [...(saved.ttfts ?? []), Math.round(ttft)].slice(-24);
  persist();
  showTtfts();
}

function showTtfts() {
  const values = saved.ttfts ?? [];
  els.lastTtft.textContent = values.length ? String(values.at(-1)) : '–';
  drawTtftChart(els.chart, values);
}

// ---------------------------------------------------------------------------------------------
// Controls

/** @param {string} text */
function status(text) {
  els.status.textContent = text;
}

function refreshControls() {
  const busy = live.size > 0;
  els.stop.disabled = !busy;
  els.send.textContent = busy && !els.json.checked ? 'Redirect' : 'Send';
  els.send.title = busy ? 'Sending now interrupts the reply and continues with your new message' : '';
  document.body.classList.toggle('busy', busy);
}

/** @param {Response} res */
async function errorOf(res) {
  try {
    const body = await res.json();
    return {
      message: body?.error?.message ?? `HTTP ${res.status}`,
      code: body?.error?.code,
      param: body?.error?.param,
    };
  } catch {
    return { message: `HTTP ${res.status}`, code: undefined, param: undefined };
  }
}

/** @param {Turn} turn @param {string} message */
function fail(turn, message) {
  flushText(turn);
  turn.body.append(h('span', 'error', turn.text ? ` — ${message}` : message));
  setState(turn, 'failed');
}

// ---------------------------------------------------------------------------------------------
// The API, with the gateway key when this gateway asks for one (deployed, auth on). The key is
// kept for this tab only (sessionStorage), so it survives a reload but not the browser.

const KEY_STORE = 'infe.gatewayKey';

/** @param {string} path @param {RequestInit} [init] */
async function api(path, init = {}) {
  const key = sessionStorage.getItem(KEY_STORE);
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401 && !path.startsWith('/v1/logs')) askForKey();
  return res;
}

function askForKey() {
  els.keyForm.hidden = false;
  if (document.activeElement !== els.keyInput) els.keyInput.focus();
}

els.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = els.keyInput.value.trim();
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
  els.keyInput.value = '';
  els.keyForm.hidden = true;
  void loadModels().then(() => (turns.size === 0 ? restore() : undefined));
});

// ---------------------------------------------------------------------------------------------
// Sessions

const json = (/** @type {unknown} */ body) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function ensureSession() {
  if (saved.sessionId) return saved.sessionId;
  const res = await api('/v1/sessions', json({ model: els.model.value, warmup: true }));
  if (!res.ok) throw new Error((await errorOf(res)).message);
  const session = await res.json();
  saved.sessionId = session.id;
  saved.model = session.model;
  saved.warmup = session.warmup;
  delete saved.partial;
  persist();
  return session.id;
}

/**
 * Applies session events to the turns. `context.current` is the turn the stream is in: token
 * events carry no turn id, they belong to the last `turn-start` (or to the resumed turn).
 * @typedef {{ pending?: Turn, current?: Turn, sentAt?: number }} StreamContext
 * @param {ReadableStream<Uint8Array>} body
 * @param {StreamContext} context
 */
async function consume(body, context) {
  for await (const batch of sseBatches(body)) {
    const now = performance.now();
    /** @type {Set<Turn>} */
    const touched = new Set();
    for (const event of batch) {
      const seq = Number(event.id);
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        continue;
      }
      if (Number.isFinite(seq) && seq > (saved.lastEventId ?? 0)) saved.lastEventId = seq;
      if (event.event === 'turn-start') {
        let turn = turns.get(data.turnId);
        if (!turn && context.pending && !context.pending.turnId) {
          turn = context.pending;
          turn.turnId = data.turnId;
          turns.set(data.turnId, turn);
        }
        // A turn started elsewhere (another tab, or the replay after a reload).
        turn ??= addTurn(data.content, { turnId: data.turnId });
        context.current = turn;
        if (seq > turn.seq) turn.seq = seq;
        continue;
      }
      const turn = context.current;
      if (!turn || (Number.isFinite(seq) && seq <= turn.seq)) continue;
      if (Number.isFinite(seq)) turn.seq = seq;
      touched.add(turn);
      switch (event.event) {
        case 'token':
          appendText(turn, data.text);
          turn.meter.token(now);
          if (turn.meter.tokens === 1) recordTtft(turn);
          break;
        case 'reasoning':
          if (turn.state === 'waiting') setState(turn, 'streaming');
          break;
        case 'guard':
          flag(turn, data.action, data.rule);
          break;
        case 'finish':
          setState(turn, data.reason === 'interrupted' ? 'interrupted' : 'done');
          if (data.reason === 'length') turn.badges.append(h('span', 'badge', 'max tokens'));
          break;
        case 'error':
          if (data.code === 'replay_truncated') turn.badges.append(h('span', 'badge', 'partly replayed'));
          else fail(turn, data.message);
          break;
      }
    }
    for (const turn of touched) {
      renderText(turn);
      renderMeta(turn);
    }
    const current = context.current;
    if (current?.turnId && (current.state === 'streaming' || current.state === 'waiting')) {
      saved.partial = { turnId: current.turnId, text: current.text, seq: current.seq };
      persistSoon();
    } else {
      delete saved.partial;
      persist();
    }
  }
}

/**
 * After a stream ends without its turn ending (a dropped connection), follow the session's
 * stream from the last event id; give up after a few tries.
 * @param {StreamContext} context
 */
async function followUp(context) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const turn = context.current ?? context.pending;
    if (!turn || (turn.state !== 'streaming' && turn.state !== 'waiting')) return;
    await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    const sessionId = saved.sessionId;
    if (!sessionId) return;
    status('Reconnecting…');
    // Without an event of this turn yet, the stream replays the current turn from its start.
    const headers = turn.seq > 0 ? { 'last-event-id': String(turn.seq) } : undefined;
    const res = await api(`/v1/sessions/${sessionId}/stream`, { headers }).catch(() => null);
    if (!res?.ok || !res.body) continue;
    status('');
    await consume(res.body, { current: turn, ...(turn.turnId ? {} : { pending: turn }) }).catch(() => {});
  }
  const turn = context.current ?? context.pending;
  if (turn && (turn.state === 'streaming' || turn.state === 'waiting')) fail(turn, 'The connection was lost.');
}

/** Whether this turn's warm-up has gone out: one per turn, however much the user types. */
let warmedUp = false;

/**
 * When the user starts typing the next message, the session sends its context to the provider
 * ahead of it (README, *Warm-up*), so the reply's first token comes sooner. Not while a reply
 * streams (the session would skip it, and this turn's one chance would be spent).
 */
function warmUpSoon() {
  const sessionId = saved.sessionId;
  if (warmedUp || !sessionId || !saved.warmup || els.json.checked || live.size > 0) return;
  if (els.input.value.trim() === '') return;
  warmedUp = true;
  void api(`/v1/sessions/${sessionId}/warmup`, json({}))
    .then((res) => {
      // Turned off by the gateway (SESSION_WARMUP_PER_MINUTE=0): stop asking in this session.
      if (res.status === 400) {
        saved.warmup = false;
        persist();
      }
    })
    .catch(() => {});
}

/** @param {string} content */
async function sendToSession(content) {
  warmedUp = false;
  const sentAt = performance.now();
  const turn = addTurn(content, { sentAt });
  turn.reply.scrollIntoView({ block: 'nearest' });
  /** @type {StreamContext} */
  const context = { pending: turn, sentAt };
  try {
    let res;
    for (let attempt = 0; ; attempt++) {
      const sessionId = await ensureSession();
      res = await api(`/v1/sessions/${sessionId}/messages`, json({ content, stream: true }));
      // A session that no longer exists (storage cleared, deleted elsewhere): start a new one once.
      if (res.status === 404 && attempt === 0) {
        delete saved.sessionId;
        continue;
      }
      break;
    }
    if (!res.ok || !res.body) return fail(turn, (await errorOf(res)).message);
    status('');
    await consume(res.body, context);
  } catch (error) {
    // Before the reply started: say why. During it: a dropped connection, which followUp resumes.
    if (turn.state === 'waiting' && !turn.turnId)
      return fail(turn, error instanceof Error ? error.message : String(error));
  }
  await followUp(context);
}

async function interrupt() {
  for (const turn of live) if (turn.kind === 'json') jsonAbort?.abort();
  const sessionTurns = [...live].filter((t) => t.kind === 'session');
  if (sessionTurns.length === 0 || !saved.sessionId) return;
  status('Stopping…');
  const res = await api(`/v1/sessions/${saved.sessionId}/interrupt`, json({})).catch(() => null);
  status(res?.ok ? 'Stopped.' : 'Could not stop the reply.');
}

/** On load: the stored session's history, and the running reply followed from where it was. */
async function restore() {
  const sessionId = saved.sessionId;
  if (!sessionId) return;
  const res = await api(`/v1/sessions/${sessionId}`).catch(() => null);
  if (!res?.ok) {
    if (res?.status === 404) {
      delete saved.sessionId;
      delete saved.partial;
      persist();
    }
    return;
  }
  /** @type {{ model: string, warmup?: boolean, generating: boolean, messages: Array<{ turnId: string, role: string, content: string, status: string }> }} */
  const session = await res.json();
  selectModel(session.model);
  saved.warmup = session.warmup;
  for (const message of session.messages) {
    let turn = turns.get(message.turnId);
    if (message.role === 'user') {
      turn ??= addTurn(message.content, { turnId: message.turnId });
      continue;
    }
    if (!turn) continue;
    appendText(turn, message.content);
    setState(turn, message.status === 'complete' ? 'done' : message.status === 'failed' ? 'failed' : 'interrupted');
    turn.meta.replaceChildren();
  }
  const running = session.generating ? session.messages.findLast((m) => m.role === 'user') : undefined;
  const turn = running && turns.get(running.turnId);
  if (!turn) return;
  turn.reply.dataset.resumed = '1';
  setState(turn, 'waiting');
  /** @type {Record<string, string>} */
  const headers = {};
  const partial = saved.partial;
  if (partial && partial.turnId === turn.turnId && partial.seq > 0) {
    // Continue exactly after the last event this page applied; the text up to it was saved.
    appendText(turn, partial.text);
    turn.seq = partial.seq;
    headers['last-event-id'] = String(partial.seq);
    renderText(turn);
  }
  void resume(sessionId, turn, headers);
}

/** @param {string} sessionId @param {Turn} turn @param {Record<string, string>} headers */
async function resume(sessionId, turn, headers) {
  status('Resuming the reply…');
  const stream = await api(`/v1/sessions/${sessionId}/stream`, { headers }).catch(() => null);
  if (!stream?.ok || !stream.body) return fail(turn, 'Could not resume the reply.');
  status('Resumed.');
  /** @type {StreamContext} */
  const context = { current: turn };
  try {
    await consume(stream.body, context);
  } catch {
    // A dropped connection: followUp reconnects.
  }
  await followUp(context);
}

// ---------------------------------------------------------------------------------------------
// JSON mode: one chat completion with response_format, annotations on.

/** @type {AbortController | undefined} */
let jsonAbort;

/** @param {string} content */
async function sendJson(content) {
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
  /** @type {Record<string, unknown>} */
  const request = {
    model: els.model.value,
    stream: true,
    messages: [
      { role: 'system', content: 'Answer with one JSON object.' },
      { role: 'user', content },
    ],
    response_format: { type: 'json_object' },
    infe: { structured: { partial_objects: true } },
  };
  try {
    const post = () =>
      api('/v1/chat/completions', {
        ...json(request),
        headers: { 'content-type': 'application/json', 'x-infe-annotations': '1', accept: 'text/event-stream' },
        signal: abort.signal,
      });
    let res = await post();
    if (res.status === 400) {
      const error = await errorOf(res);
      // A gateway without per-request structured options: ask again without them.
      if (!String(error.param ?? '').startsWith('infe')) return fail(turn, error.message);
      delete request.infe;
      res = await post();
    }
    if (!res.ok || !res.body) return fail(turn, (await errorOf(res)).message);
    for await (const batch of sseBatches(res.body)) {
      const now = performance.now();
      for (const event of batch) {
        if (event.data === '[DONE]') continue;
        const chunk = JSON.parse(event.data);
        if (chunk.error) {
          fail(turn, chunk.error.message);
          continue;
        }
        if (chunk.infe) {
          annotate(turn, chunk.infe);
          continue;
        }
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) {
          appendText(turn, choice.delta.content);
          turn.meter.token(now);
          if (turn.meter.tokens === 1) recordTtft(turn);
        }
        if (choice?.finish_reason) setState(turn, 'done');
      }
      renderText(turn);
      renderMeta(turn);
    }
    if (turn.state === 'streaming' || turn.state === 'waiting') fail(turn, 'The stream ended early.');
  } catch (error) {
    if (abort.signal.aborted) setState(turn, 'interrupted');
    else fail(turn, error instanceof Error ? error.message : String(error));
  } finally {
    renderMeta(turn);
    // The log record is written off the hot path, through a queue: look a moment later.
    setTimeout(loadLogs, 1200);
    setTimeout(loadLogs, 4000);
  }
}

/**
 * @param {Turn} turn
 * @param {{ type: string, [key: string]: any }} note
 */
function annotate(turn, note) {
  switch (note.type) {
    case 'partial-object':
      if (turn.object) {
        turn.object.hidden = false;
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

// ---------------------------------------------------------------------------------------------
// Request log

/** @param {number} ms */
const clock = (ms) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

async function loadLogs() {
  els.logsRefresh.disabled = true;
  try {
    const res = await api('/v1/logs?limit=12');
    const body = tbodyOf(els.logs);
    if (!res.ok) {
      body.replaceChildren();
      els.logsNote.textContent = `The request log is not available here: ${(await errorOf(res)).message}`;
      return;
    }
    /** @type {{ data: Array<{ ts: number, model: string, outcome: string, status: number, route: string, clientTtftMs?: number, durationMs: number }> }} */
    const page = await res.json();
    const rows = page.data.map((r) => {
      const tr = h('tr');
      // Short labels keep the column narrow on a phone; the full outcome is in the tooltip.
      const label =
        r.route === 'session.warmup' && r.outcome === 'ok'
          ? 'warm-up'
          : ({ client_cancelled: 'cancelled', upstream_error: 'upstream', gateway_error: 'gateway' }[r.outcome] ??
            r.outcome);
      const outcome = h('span', `pill ${r.outcome === 'ok' ? 'ok' : 'bad'}`, label);
      outcome.title = `${r.outcome} · HTTP ${r.status} · ${r.route}`;
      const what = h('td', 'what');
      const model = h('span', 'model', r.model);
      model.title = r.model;
      what.append(model, h('time', '', clock(r.ts)));
      const cells = [
        what,
        h('td'),
        h('td', 'num ttft', r.clientTtftMs === undefined ? '–' : `${r.clientTtftMs} ms`),
        h('td', 'num', `${r.durationMs} ms`),
      ];
      cells[1]?.append(outcome);
      tr.append(...cells);
      return tr;
    });
    body.replaceChildren(...rows);
    els.logsNote.textContent = rows.length
      ? 'Requests and session replies, newest first.'
      : 'No requests logged yet: JSON mode and API calls appear here a moment after they end.';
  } catch {
    els.logsNote.textContent = 'Could not load the request log.';
  } finally {
    els.logsRefresh.disabled = false;
  }
}

/** @param {HTMLTableElement} table */
function tbodyOf(table) {
  return table.tBodies[0] ?? table.createTBody();
}

// ---------------------------------------------------------------------------------------------
// Models and wiring

/** @param {string} model */
function selectModel(model) {
  if (![...els.model.options].some((o) => o.value === model)) els.model.add(new Option(model, model));
  els.model.value = model;
}

async function loadModels() {
  const wanted = saved.model ?? 'sim/default';
  const res = await api('/v1/models').catch(() => null);
  if (res?.ok) {
    /** @type {{ data: Array<{ id: string }> }} */
    const list = await res.json();
    if (list.data.length) els.model.replaceChildren(...list.data.map((m) => new Option(m.id, m.id)));
  }
  if (saved.model || [...els.model.options].some((o) => o.value === wanted)) selectModel(wanted);
}

function newChat() {
  if (live.size > 0) void interrupt();
  delete saved.sessionId;
  delete saved.partial;
  saved.model = els.model.value;
  persist();
  warmedUp = false;
  turns.clear();
  live.clear();
  els.messages.replaceChildren(els.hint);
  els.hint.hidden = false;
  refreshControls();
  status('');
  els.input.focus();
}

els.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const content = els.input.value.trim();
  if (!content) return;
  els.input.value = '';
  if (els.json.checked) void sendJson(content);
  else void sendToSession(content);
});

els.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    els.form.requestSubmit();
  }
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && live.size > 0) {
    event.preventDefault();
    void interrupt();
  }
});

els.input.addEventListener('input', warmUpSoon);
els.stop.addEventListener('click', () => void interrupt());
els.newChat.addEventListener('click', newChat);
els.json.addEventListener('change', refreshControls);
els.logsRefresh.addEventListener('click', () => void loadLogs());
els.model.addEventListener('change', () => {
  // A session keeps its model: another model starts a new conversation.
  if (saved.sessionId && saved.model !== els.model.value) newChat();
  else {
    saved.model = els.model.value;
    persist();
  }
});

showTtfts();
await loadModels();
void loadLogs();
await restore();
// For the browser test and the curious: milliseconds from navigation to a usable page.
document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
document.documentElement.dataset.ready = '1';
