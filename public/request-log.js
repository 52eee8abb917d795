// @ts-check
import { api, errorOf } from './api.js';
import { els, h } from './dom.js';

/** The "Recent requests" panel: the newest records of GET /v1/logs. */

/** @param {number} ms */
const clock = (ms) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** Short labels keep the column narrow on a phone; the full outcome is in the tooltip. */
const SHORT = /** @type {Record<string, string>} */ ({
  client_cancelled: 'cancelled',
  upstream_error: 'upstream',
  gateway_error: 'gateway',
});

/** @typedef {{ ts: number, model: string, outcome: string, status: number, route: string, clientTtftMs?: number, durationMs: number }} LogRow */

/** @param {LogRow} r */
function rowOf(r) {
  const tr = h('tr');
  const label = r.route === 'session.warmup' && r.outcome === 'ok' ? 'warm-up' : (SHORT[r.outcome] ?? r.outcome);
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
}

export async function loadLogs() {
  els.logsRefresh.disabled = true;
  try {
    const res = await api('/v1/logs?limit=12');
    const body = els.logs.tBodies[0] ?? els.logs.createTBody();
    if (!res.ok) {
      body.replaceChildren();
      els.logsNote.textContent = `The request log is not available here: ${(await errorOf(res)).message}`;
      return;
    }
    /** @type {{ data: LogRow[] }} */
    const page = await res.json();
    const rows = page.data.map(rowOf);
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

/** @type {Array<ReturnType<typeof setTimeout>>} */
let refreshes = [];

/**
 * After a request ends: its record reaches the log through a queue, off the hot path, a moment
 * later; look a few times rather than wait for a click. A later end restarts the schedule.
 */
export function refreshLogsSoon() {
  for (const timer of refreshes) clearTimeout(timer);
  refreshes = [1200, 3000, 6000].map((ms) => setTimeout(loadLogs, ms));
}
