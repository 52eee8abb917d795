// @ts-check
import { h } from './dom.js';
import { refreshLogsSoon } from './request-log.js';
import { sseBatches } from './sse.js';
import { persist, persistSoon, saved } from './store.js';
import { recordTtft } from './ttft-panel.js';
import {
  addTurn,
  appendText,
  explainStop,
  fail,
  flag,
  redirectedElsewhere,
  renderMeta,
  renderText,
  setState,
} from './turn-view.js';
import { live, turns } from './turns.js';

/**
 * Applies a session's SSE events to the turns on screen. `context.current` is the turn the
 * stream is in: token events carry no turn id, they belong to the last `turn-start` (or to the
 * resumed turn). Several streams may carry the same turn (this tab's POST and its watch of the
 * session): each event applies once, by its sequence number.
 * @typedef {import('./turns.js').Turn} Turn
 * @typedef {{ pending?: Turn, current?: Turn }} StreamContext
 * @param {ReadableStream<Uint8Array>} body
 * @param {StreamContext} context
 */
export async function consume(body, context) {
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
        const turn = turns.get(data.turnId) ?? adopt(data.turnId, data.content, context.pending);
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
          if (turn.meter.tokens === 1) recordTtft(turn.meter.ttft);
          break;
        case 'reasoning':
          if (turn.state === 'waiting') setState(turn, 'streaming');
          break;
        case 'refusal':
          if (!turn.refused) turn.badges.append(h('span', 'badge', 'refused'));
          turn.refused = true;
          appendText(turn, data.text);
          break;
        case 'guard':
          flag(turn, data.action, data.rule);
          break;
        case 'usage':
          if (typeof data.cost === 'number') turn.cost = data.cost;
          break;
        case 'finish':
          setState(turn, data.reason === 'interrupted' ? 'interrupted' : 'done');
          if (data.reason === 'interrupted') explainStop(turn);
          if (data.reason === 'length') turn.badges.append(h('span', 'badge', 'max tokens'));
          refreshLogsSoon();
          break;
        case 'error':
          if (data.code === 'replay_truncated') turn.badges.append(h('span', 'badge', 'partly replayed'));
          else {
            fail(turn, data.message);
            refreshLogsSoon();
          }
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
 * The view for a turn this tab has not seen start: its own message waiting for its id (from the
 * POST's stream, or first from the watch), else a turn sent elsewhere (another tab, an API call).
 * @param {string} turnId @param {string} content @param {Turn} [pending]
 * @returns {Turn}
 */
function adopt(turnId, content, pending) {
  const own =
    pending && !pending.turnId
      ? pending
      : [...live].find((t) => t.kind === 'session' && !t.turnId && t.content === content);
  if (own) {
    own.turnId = turnId;
    turns.set(turnId, own);
    return own;
  }
  const previous = [...turns.values()].at(-1);
  if (previous) redirectedElsewhere(previous);
  const turn = addTurn(content, { turnId });
  turn.elsewhere = true;
  return turn;
}
