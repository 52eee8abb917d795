// @ts-check
import { els } from './dom.js';
import { drawTtftChart } from './meter.js';
import { persist, saved } from './store.js';

/** The side panel's last TTFT and chart of recent ones (kept across reloads). */
export function showTtfts() {
  const values = saved.ttfts ?? [];
  els.lastTtft.textContent = values.length ? String(values.at(-1)) : '–';
  drawTtftChart(els.chart, values);
}

/** @param {number | null} ttft */
export function recordTtft(ttft) {
  if (ttft === null) return;
  saved.ttfts = [...(saved.ttfts ?? []), Math.round(ttft)].slice(-24);
  persist();
  showTtfts();
}
