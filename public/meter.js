// @ts-check
/**
 * Timings as the page sees them: TTFT from the moment Send was pressed to the first token on
 * screen, tokens per second after it, and the gaps between token arrivals.
 */
export class ReplyMeter {
  /** @param {number | null} sentAt performance.now() at send; null for a resumed reply (no TTFT). */
  constructor(sentAt) {
    this.sentAt = sentAt;
    /** @type {number | null} */
    this.firstAt = null;
    /** @type {number | null} */
    this.lastAt = null;
    this.tokens = 0;
    /** @type {number[]} */
    this.gaps = [];
  }

  /** @param {number} now */
  token(now) {
    if (this.firstAt === null) this.firstAt = now;
    else if (this.lastAt !== null) this.gaps.push(now - this.lastAt);
    this.lastAt = now;
    this.tokens++;
  }

  get ttft() {
    return this.sentAt === null || this.firstAt === null ? null : this.firstAt - this.sentAt;
  }

  get tokensPerSecond() {
    if (this.firstAt === null || this.lastAt === null || this.tokens < 2) return null;
    const seconds = (this.lastAt - this.firstAt) / 1000;
    return seconds > 0 ? (this.tokens - 1) / seconds : null;
  }

  /** @param {number} q 0..1 */
  gap(q) {
    if (this.gaps.length === 0) return null;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
  }

  get maxGap() {
    return this.gaps.length === 0 ? null : Math.max(...this.gaps);
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Bars of recent TTFTs, newest on the right, scaled to the largest shown.
 * @param {SVGSVGElement} svg
 * @param {number[]} values milliseconds
 */
export function drawTtftChart(svg, values) {
  // Drawn at the element's own size, so labels are not scaled.
  const width = Math.round(svg.getBoundingClientRect().width) || 280;
  const height = 64;
  const max = Math.max(1, ...values);
  const slot = Math.min(24, width / Math.max(values.length, 12));
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  values.forEach((value, i) => {
    const h = Math.max(2, (value / max) * (height - 14));
    const bar = document.createElementNS(SVG, 'rect');
    bar.setAttribute('x', String(width - (values.length - i) * slot + 1));
    bar.setAttribute('y', String(height - h));
    bar.setAttribute('width', String(Math.max(2, slot - 2)));
    bar.setAttribute('height', String(h));
    bar.setAttribute('rx', '1.5');
    if (i === values.length - 1) bar.setAttribute('class', 'latest');
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${Math.round(value)} ms`;
    bar.append(title);
    svg.append(bar);
  });
  const label = document.createElementNS(SVG, 'text');
  label.setAttribute('x', '0');
  label.setAttribute('y', '11');
  label.textContent = values.length ? `max ${Math.round(max)} ms` : 'no replies yet';
  svg.append(label);
  const last = values.at(-1);
  svg.setAttribute(
    'aria-label',
    values.length
      ? `Time to first token of the last ${values.length} replies; latest ${Math.round(last ?? 0)} ms`
      : 'No replies yet',
  );
}
