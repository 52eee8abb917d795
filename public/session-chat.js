// @ts-check
import { api, errorOf, json } from './api.js';
import { status } from './controls.js';
import { els } from './dom.js';
import { selectModel } from './model-picker.js';
import { followLatest } from './scroll-follow.js';
import { consume } from './session-events.js';
import { persist, saved } from './store.js';
import { addTurn, appendText, fail, renderText, setState } from './turn-view.js';
import { live, turns } from './turns.js';
import { rearmWarmup } from './warmup.js';

/**
 * Chat through the session API: POST /v1/sessions/:id/messages (SSE), Stop (interrupt),
 * redirect by sending during a reply, and resume after a reload or a dropped connection
 * (GET /v1/sessions/:id/stream with Last-Event-ID).
 * @typedef {import('./turns.js').Turn} Turn
 * @typedef {import('./session-events.js').StreamContext} StreamContext
 */

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

/** @param {string} content */
export async function sendToSession(content) {
  rearmWarmup();
  // The running reply (this tab's or another's) is about to be redirected to this message.
  for (const running of live) if (running.kind === 'session') running.stopCause ??= 'redirect';
  const sentAt = performance.now();
  const turn = addTurn(content, { sentAt });
  followLatest();
  /** @type {StreamContext} */
  const context = { pending: turn };
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

/** Stop: the session aborts the upstream request and keeps the partial reply. */
export async function interruptSession() {
  const sessionTurns = [...live].filter((t) => t.kind === 'session');
  if (sessionTurns.length === 0 || !saved.sessionId) return;
  for (const turn of sessionTurns) turn.stopCause ??= 'stop';
  status('Stopping…');
  const res = await api(`/v1/sessions/${saved.sessionId}/interrupt`, json({})).catch(() => null);
  // Unless a new turn has started meanwhile (it cleared the line): that one is not stopped.
  if (els.status.textContent === 'Stopping…') status(res?.ok ? 'Stopped.' : 'Could not stop the reply.');
}

/** On load: the stored session's history, and the running reply followed from where it was. */
export async function restore() {
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
    // Complete from the history: a replay of its events (the session's watch) adds nothing.
    turn.seq = Number.MAX_SAFE_INTEGER;
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
  if (els.status.textContent === 'Resumed.') status('');
}

let watching = false;
let watchAgain = false;

/**
 * Follows the session for the turns this tab did not send (another tab, an API call): from the
 * last event this tab applied, the events it missed, then the running turn live until it ends.
 * Called when another tab writes the shared storage (it does at every step of a reply) and when
 * this tab comes back into view. Not while a stream already follows a running turn here.
 */
export async function watch() {
  if (watching) {
    watchAgain = true;
    return;
  }
  watching = true;
  try {
    do {
      watchAgain = false;
      const sessionId = saved.sessionId;
      if (!sessionId || [...live].some((t) => t.kind === 'session')) return;
      const last = saved.lastEventId ?? 0;
      const headers = last > 0 ? { 'last-event-id': String(last) } : undefined;
      const res = await api(`/v1/sessions/${sessionId}/stream`, { headers }).catch(() => null);
      if (!res?.ok || !res.body) return;
      /** @type {StreamContext} */
      const context = {};
      await consume(res.body, context).catch(() => {});
      await followUp(context);
    } while (watchAgain);
  } finally {
    watching = false;
  }
}
