// @ts-check
import { h } from './dom.js';
import { sseBatches } from './sse.js';
import { persist, persistSoon, saved } from './store.js';
import { recordTtft } from './ttft-panel.js';
import { addTurn, appendText, fail, flag, renderMeta, renderText, setState } from './turn-view.js';
import { turns } from './turns.js';

/**
 * Applies a session's SSE events to the turns on screen. `context.current` is the turn the
 * stream is in: token events carry no turn id, they belong to the last `turn-start` (or to the
 * resumed turn).
 * @typedef {import('./turns.js').Turn} Turn
 * @typedef {{ pending?: Turn, current?: Turn, sentAt?: number }} StreamContext
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
          if (turn.meter.tokens === 1) recordTtft(turn.meter.ttft);
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
