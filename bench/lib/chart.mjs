// Hand-written SVG: TTFT p50 (bar) and p99 (whisker) per mode, grouped by concurrency, log scale.

export const COLORS = {
  direct: '#7f7f7f',
  'floor-body': '#c7c7c7',
  'floor-identity': '#2ca02c',
  'floor-js': '#98df8a',
  'floor-pump': '#9467bd',
  'floor-pump-overlap': '#c5b0d5',
  passthrough: '#1f77b4',
  'cache-hit': '#17becf',
  'cache-miss': '#9edae5',
  full: '#ff7f0e',
  session: '#8c564b',
  peer: '#d62728',
};

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

export function renderChart(result) {
  const phases = result.ttft;
  const modes = result.modes;
  const W = 960;
  const H = 460;
  const m = { left: 70, right: 20, top: 50, bottom: 90 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const values = phases.flatMap((p) => modes.flatMap((k) => [p.modes[k]?.ttft.p50, p.modes[k]?.ttft.p99]));
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...finite, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...finite, 10)));
  const y = (v) =>
    m.top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const groupW = plotW / phases.length;
  const barW = Math.min(36, (groupW * 0.8) / modes.length);
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img">`,
    '<title>Time to first token p50 and p99 per mode and concurrency</title>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">Time to first token: p50 (bar) and p99 (whisker), ms, log scale</text>`,
    `<text x="${W / 2}" y="41" text-anchor="middle" fill="#555">${esc(`${result.revision} · ${result.workerd} · ${result.machine.cpus} CPUs · load ${result.machine.loadavgBefore[0].toFixed(2)} · ${result.startedAt}`)}</text>`,
  );
  for (let d = lo; d <= hi; d *= 10) {
    for (const k of [1, 2, 5]) {
      const v = d * k;
      if (v > hi) break;
      const yy = y(v).toFixed(1);
      out.push(
        `<line x1="${m.left}" x2="${W - m.right}" y1="${yy}" y2="${yy}" stroke="${k === 1 ? '#ccc' : '#eee'}"/>`,
      );
      out.push(
        `<text x="${m.left - 6}" y="${yy}" dy="4" text-anchor="end" fill="#555">${v >= 1 ? v : v.toFixed(1)}</text>`,
      );
    }
  }
  out.push(`<text transform="translate(18 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">TTFT ms</text>`);
  phases.forEach((p, gi) => {
    const present = modes.filter((mode) => p.modes[mode]);
    const gx = m.left + gi * groupW + (groupW - barW * present.length) / 2;
    present.forEach((mode, i) => {
      const t = p.modes[mode]?.ttft;
      if (!t || !Number.isFinite(t.p50)) return;
      const x = gx + i * barW;
      const top = y(t.p50);
      out.push(
        `<rect x="${(x + 2).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(m.top + plotH - top).toFixed(1)}" fill="${COLORS[mode] ?? '#999'}"><title>${esc(`${mode} c=${p.concurrency}: p50 ${t.p50.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms`)}</title></rect>`,
      );
      const cx = (x + barW / 2).toFixed(1);
      const y99 = y(t.p99).toFixed(1);
      out.push(`<line x1="${cx}" x2="${cx}" y1="${top.toFixed(1)}" y2="${y99}" stroke="#222"/>`);
      out.push(
        `<line x1="${(x + barW / 2 - 5).toFixed(1)}" x2="${(x + barW / 2 + 5).toFixed(1)}" y1="${y99}" y2="${y99}" stroke="#222"/>`,
      );
      out.push(
        `<text x="${cx}" y="${(top - 3).toFixed(1)}" text-anchor="middle" font-size="9">${t.p50 < 10 ? t.p50.toFixed(1) : Math.round(t.p50)}</text>`,
      );
    });
    out.push(
      `<text x="${(m.left + gi * groupW + groupW / 2).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle" font-weight="bold">${p.concurrency} stream${p.concurrency > 1 ? 's' : ''}${p.reply === 'words' ? ', word tokens' : ''} · gap ${p.gap} ms</text>`,
    );
  });
  out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`);
  const legendY = H - 30;
  const step = plotW / modes.length;
  modes.forEach((mode, i) => {
    const x = m.left + i * step;
    out.push(`<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[mode] ?? '#999'}"/>`);
    out.push(`<text x="${x + 16}" y="${legendY}">${esc(mode)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
