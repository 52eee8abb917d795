// Summaries and the printed tables.

/** Nearest-rank percentile: with 200 samples p99 is the 198th smallest, an actual observation. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function summarize(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    mean,
  };
}

const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const signed = (v, digits = 2) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : '-');

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function ttftTable(phases) {
  const header = [
    'TTFT ms',
    'n',
    'direct p50',
    'p99',
    'gateway p50',
    'p99',
    'added p50',
    'added p99',
    'errors',
    'stream ms p50',
    'workerd CPU',
    'ms/stream',
  ];
  const rows = phases.map((p) => [
    `c=${p.concurrency}`,
    `${p.gateway.ttft.n}/${p.direct.ttft.n}`,
    fmt(p.direct.ttft.p50),
    fmt(p.direct.ttft.p99),
    fmt(p.gateway.ttft.p50),
    fmt(p.gateway.ttft.p99),
    signed(p.added.p50),
    signed(p.added.p99),
    `${p.gateway.errors}/${p.direct.errors}`,
    `${fmt(p.gateway.streamMs.p50, 0)}/${fmt(p.direct.streamMs.p50, 0)}`,
    `${fmt(p.gateway.workerdCpuPercent, 0)}%`,
    fmt(p.gateway.workerdCpuMsPerStream, 2),
  ]);
  return table(header, rows);
}

export function throughputTable(runs) {
  const header = [
    'long replies',
    'streams',
    'events',
    'direct s',
    'events/s',
    'gateway s',
    'events/s',
    'gw/direct',
    'workerd CPU s',
    'CPU %',
    'µs/event',
    'errors',
  ];
  const rows = runs.map((r) => [
    `c=${r.concurrency}`,
    r.gateway.streams,
    r.gateway.events,
    fmt(r.direct.wallS, 3),
    fmt(r.direct.eventsPerS, 0),
    fmt(r.gateway.wallS, 3),
    fmt(r.gateway.eventsPerS, 0),
    `${fmt(r.gateway.wallS / r.direct.wallS, 1)}x`,
    fmt(r.gateway.workerdCpuMs / 1000, 2),
    `${fmt(r.gateway.workerdCpuPercent, 0)}%`,
    fmt(r.gateway.workerdCpuUsPerEvent, 1),
    `${r.gateway.errors}/${r.direct.errors}`,
  ]);
  return table(header, rows);
}
