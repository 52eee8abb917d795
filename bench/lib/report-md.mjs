// The Markdown report: one table per scenario, ratios to direct, to the floor and to the peer,
// and the issue's targets, each marked met or missed from the numbers in the run.

const f = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const sf = (v, d = 2) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(d)}` : '–');
/** A ratio is shown only when its denominator is clearly above measurement noise. */
const ratio = (a, b, min = 0.05, d = 1) =>
  Number.isFinite(a) && Number.isFinite(b) && b > min ? `${(a / b).toFixed(d)}×` : '–';
const pct = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${Math.round((100 * a) / b)}%` : '–');

function table(header, rows) {
  const right = header.map((_, i) => i > 0);
  return [
    `| ${header.join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const added = (phase, mode, q = 'p50') => phase.modes[mode]?.ttft[q] - phase.modes.direct?.ttft[q];

export function ttftTable(phase, modes) {
  const rows = modes.map((mode) => {
    const r = phase.modes[mode];
    return [
      mode,
      r.ttft.n,
      f(r.headersMs?.p50),
      f(r.ttft.p50),
      f(r.ttft.p99),
      mode === 'direct' ? '' : sf(added(phase, mode)),
      mode === 'direct' ? '' : sf(added(phase, mode, 'p99')),
      ratio(r.ttft.p50, phase.modes.direct.ttft.p50, 0.01),
      mode === 'direct' || !phase.modes['floor-identity']
        ? ''
        : ratio(added(phase, mode), added(phase, 'floor-identity')),
      mode === 'direct' || !phase.modes.peer || mode === 'peer' ? '' : ratio(added(phase, 'peer'), added(phase, mode)),
      f(r.streamMs.p50, 0),
      r.interTokenMs ? `${f(r.interTokenMs.p50, 1)} / ${f(r.interTokenMs.p99, 1)}` : '–',
      `${f(r.workerdCpuPercent, 0)}%`,
      r.rssMiBAfter ? f(r.rssMiBAfter, 0) : '–',
      r.errors,
    ];
  });
  return table(
    [
      'mode',
      'n',
      'headers p50',
      'TTFT p50',
      'p99',
      'added p50',
      'added p99',
      '× direct (p50)',
      'added ÷ floor-identity added',
      'peer added ÷ added',
      'stream ms p50',
      'inter-token ms p50 / p99',
      'server CPU',
      'server RSS MiB after',
      'errors',
    ],
    rows,
  );
}

export function throughputTable(run) {
  const ms = Object.keys(run.modes);
  const direct = run.modes.direct;
  const floor = run.modes['floor-identity'];
  const pass = run.modes.passthrough;
  return table(
    [
      'mode',
      'streams',
      'events delivered',
      'upstream events/s',
      '÷ direct',
      '% of floor-identity',
      'server CPU µs/event',
      '× passthrough',
      'CPU %',
      'errors',
    ],
    ms.map((mode) => {
      const r = run.modes[mode];
      return [
        mode,
        r.streams,
        r.events,
        f(r.upstreamPerS, 0),
        direct ? pct(r.upstreamPerS, direct.upstreamPerS) : '',
        floor ? pct(r.upstreamPerS, floor.upstreamPerS) : '',
        `${f(r.cpuUsPerUpstream, 1)}${mode === 'direct' ? ' (fake)' : ''}`,
        pass && mode !== 'direct' ? ratio(r.cpuUsPerUpstream, pass.cpuUsPerUpstream, 0, 2) : '',
        `${f(r.workerdCpuPercent, 0)}%`,
        r.errors,
      ];
    }),
  );
}

const mib = (kib) => f(kib / 1024, 1);

export function slowTable(slow) {
  return table(
    [
      'mode',
      'RSS before MiB',
      'peak',
      'after',
      'peak growth',
      'provider wrote KiB/stream at ½ time',
      'at end',
      'client read KiB/stream',
      'upstream hung up / completed',
      'errors',
    ],
    Object.entries(slow).map(([mode, s]) => [
      `${mode}${mode === 'direct' ? ' (fake)' : ''}`,
      mib(s.rssKiB.before),
      mib(s.rssKiB.peak),
      mib(s.rssKiB.after),
      `${sf((s.rssKiB.peak - s.rssKiB.before) / 1024, 1)}`,
      f(s.providerBytesMid / 1024, 0),
      f(s.providerBytesEnd / 1024, 0),
      f(s.clientBytesRead / 1024, 1),
      `${s.providerHungUp}/${s.streams} / ${s.providerCompleted}`,
      s.errors,
    ]),
  );
}

/** The issue's targets, evaluated from this run. */
export function targets(result) {
  const at = (c, reply = 'json') => result.ttft.find((p) => p.concurrency === c && (p.reply ?? 'json') === reply);
  const run = (label, c) => result.throughput.find((t) => t.label === label && t.concurrency === c);
  const out = [];
  const add = (name, measured, ok) => out.push({ name, measured, ok });
  const c1 = at(1);
  const c50 = at(50);
  if (c1?.modes.full)
    add(
      'full pipeline added TTFT p50 ≤ 1.5 ms at 1 stream (JSON reply)',
      `${sf(added(c1, 'full'))} ms`,
      added(c1, 'full') <= 1.5,
    );
  const w1 = at(1, 'words');
  if (w1?.modes.full)
    add(
      'full pipeline added TTFT p50 ≤ 1.5 ms at 1 stream (word tokens)',
      `${sf(added(w1, 'full'))} ms (gap ${w1.gap} ms)`,
      added(w1, 'full') <= 1.5,
    );
  if (c50?.modes.full && c50.modes['floor-identity']) {
    const a = added(c50, 'full');
    const fl = added(c50, 'floor-identity');
    add(
      'full added TTFT p50 ≤ 2× native-identity floor at 50 concurrent',
      `${sf(a)} ms vs floor ${sf(fl)} ms (limit ${f(2 * Math.max(fl, 0))} ms)`,
      a <= 2 * Math.max(fl, 0),
    );
  }
  for (const c of [1, 10]) {
    const r = run('long text', c);
    if (r?.modes.full && r.modes['floor-identity'])
      add(
        `long-reply throughput ≥ 50% of identity floor (c=${c})`,
        `${f(r.modes.full.upstreamPerS, 0)} vs ${f(r.modes['floor-identity'].upstreamPerS, 0)} events/s = ${pct(r.modes.full.upstreamPerS, r.modes['floor-identity'].upstreamPerS)}`,
        r.modes.full.upstreamPerS >= 0.5 * r.modes['floor-identity'].upstreamPerS,
      );
  }
  for (const r of [run('long text', 10), run('long JSON', 10)]) {
    if (!r?.modes.full || !r.modes.passthrough) continue;
    const q = r.modes.full.cpuUsPerUpstream / r.modes.passthrough.cpuUsPerUpstream;
    add(
      `CPU per event ≤ 1.3× passthrough (${r.label}${r.label === 'long JSON' ? ', guard + structured' : ', guard'})`,
      `${f(r.modes.full.cpuUsPerUpstream, 1)} vs ${f(r.modes.passthrough.cpuUsPerUpstream, 1)} µs = ${f(q)}×`,
      q <= 1.3,
    );
  }
  for (const p of [c1, c50]) {
    if (!p?.modes.peer || !p.modes.full) continue;
    const a = added(p, 'full');
    const peer = added(p, 'peer');
    add(
      `≥ 10× lower added TTFT than the peer (c=${p.concurrency})`,
      `peer ${sf(peer)} ms vs full ${sf(a)} ms = ${a > 0 ? `${f(peer / a, 1)}×` : 'full adds nothing measurable'}`,
      a <= 0 ? peer > 0 : peer / a >= 10,
    );
  }
  const h = result.hedge?.modes;
  if (h?.ordered && h.hedged)
    add(
      'hedged starts cut p99 TTFT (provider with a slow tail), at a stated upstream cost',
      `p99 ${f(h.ordered.ttft.p99, 0)} → ${f(h.hedged.ttft.p99, 0)} ms at ${f(h.hedged.upstreamPerRequest)} upstream requests per request (${f(h.ordered.upstreamPerRequest)} without)`,
      h.hedged.ttft.p99 < h.ordered.ttft.p99,
    );
  const gz = result.bundle.wrangler?.gzipKiB ?? result.bundle.gzipKiB;
  const min = result.bundle.minified?.gzipKiB;
  add(
    'bundle ≤ 100 KiB gzip (as configured)',
    `${f(gz, 1)} KiB${Number.isFinite(min) && Math.abs(min - gz) > 0.5 ? ` (${f(min, 1)} KiB with --minify)` : ''}`,
    gz <= 100,
  );
  add(
    'zero failed requests in every scenario',
    `${result.errors.count} failed${result.incomplete ? `; INCOMPLETE: ${result.incomplete}` : ''}`,
    result.errors.count === 0 && !result.incomplete,
  );
  return out;
}

/** One row per mode: what it adds to TTFT in each scenario, its throughput, CPU, memory and failures. */
function summaryTable(result) {
  const phases = result.ttft;
  const long = result.throughput.find((t) => t.label === 'long text' && t.concurrency === 10);
  const header = [
    'mode',
    ...phases.map((p) => `added TTFT p50 / p99, ${p.concurrency}${p.reply === 'words' ? ' (words)' : ''}`),
    'long replies events/s (c=10)',
    'CPU µs/event',
    'slow consumer RSS growth MiB',
    'failed',
  ];
  const failed = (mode) => result.errors.byPath?.[mode] ?? 0;
  const rows = result.modes.map((mode) => {
    const slow = result.slow[mode];
    return [
      mode,
      ...phases.map((p) =>
        !p.modes[mode]
          ? ''
          : mode === 'direct'
            ? `${f(p.modes.direct.ttft.p50)} / ${f(p.modes.direct.ttft.p99)} (abs.)`
            : `${sf(added(p, mode))} / ${sf(added(p, mode, 'p99'))}`,
      ),
      long?.modes[mode] ? f(long.modes[mode].upstreamPerS, 0) : '',
      long?.modes[mode] ? `${f(long.modes[mode].cpuUsPerUpstream, 1)}${mode === 'direct' ? ' (fake)' : ''}` : '',
      slow ? sf((slow.rssKiB.peak - slow.rssKiB.before) / 1024, 1) : '',
      String(failed(mode)),
    ];
  });
  return ['## Summary (ms; added = mode − direct)', '', table(header, rows), ''];
}

/** Where a relayed event's CPU goes: each layer as the difference between two modes (long text, c=10). */
function costBreakdown(result) {
  const run = result.throughput.find((t) => t.label === 'long text' && t.concurrency === 10);
  if (!run) return [];
  const us = (mode) => run.modes[mode]?.cpuUsPerUpstream;
  const micro = (prefix) => result.micro?.find((r) => r.name.startsWith(prefix))?.medianUs;
  const chainPass = micro('chain, passthrough: decode');
  const chainFull = micro('chain, full: decode + guard');
  const rows = [
    ['native pipe: floor-identity', f(us('floor-identity'), 1), '', 'the runtime moving bytes, no JS per chunk'],
    [
      'JS touches each chunk: floor-pump − floor-identity',
      f(us('floor-pump') - us('floor-identity'), 1),
      '',
      'read() + write() promises, one isolate turn or more per chunk',
    ],
    [
      'one JS TransformStream instead: floor-js − floor-identity',
      f(us('floor-js') - us('floor-identity'), 1),
      '',
      'for comparison',
    ],
    [
      'relay work: passthrough − floor-pump',
      f(us('passthrough') - us('floor-pump'), 1),
      f(chainPass, 1),
      'decode, observe, encode, TextEncoder',
    ],
    [
      'guard: full − passthrough',
      f(us('full') - us('passthrough'), 1),
      f(chainFull - chainPass, 1),
      'every detector + 20 phrases',
    ],
  ];
  const L = ['## Where the per-event CPU goes (long text, 10 concurrent)', ''];
  L.push(table(['layer', 'workerd µs/event', 'in-process µs/event', 'what'], rows));
  const pump = result.workerdLog.pump?.long;
  if (pump?.streams)
    L.push(
      '',
      `floor-pump read the upstream ${f(pump.reads / pump.streams / result.throughput[0].upstreamPerStream, 2)} times per upstream event on long replies: workerd hands JS one HTTP chunk per read even at zero delay, so per-chunk costs are per-event costs.`,
    );
  L.push('');
  return L;
}

function hedgeSection(hedge) {
  if (!hedge) return [];
  const { leg } = hedge;
  return [
    '## Hedged starts',
    '',
    `Two targets of a provider whose first token takes ${leg.ttft} ms, and ${leg.tail_ms} ms more for ${leg.tail_pct}% of requests (drawn per request); ${hedge.concurrency} concurrent, passthrough Worker. \`ordered\`: the alias tries its targets in order (the second only on failure). \`hedged\`: \`hedge: {after_ms: ${hedge.afterMs}, max_parallel: 2}\`, the second starts when the first has no token after ${hedge.afterMs} ms and the first token wins. ms, send → first content chunk.`,
    '',
    table(
      ['alias', 'n', 'TTFT p50', 'p90', 'p99', 'max', 'upstream requests per request', 'legs aborted', 'errors'],
      Object.entries(hedge.modes).map(([mode, r]) => [
        mode,
        r.streams,
        f(r.ttft.p50, 1),
        f(r.ttft.p90, 1),
        f(r.ttft.p99, 1),
        f(r.ttft.max, 1),
        f(r.upstreamPerRequest),
        r.abortedLegs,
        r.errors,
      ]),
    ),
    '',
  ];
}

export function renderReport(result, { chart, brief = false }) {
  const L = [];
  const m = result.machine;
  L.push(`# Infe stream benchmark — ${result.startedAt}`);
  L.push('');
  L.push(
    `${result.revision} · ${result.workerd} · Node ${result.node} · ${m.cpus} × ${m.model} · load average ${m.loadavgBefore.map((x) => x.toFixed(2)).join(' ')} before, ${m.loadavgAfter.map((x) => x.toFixed(2)).join(' ')} after (1-min max ${f(m.load1Max)}) · ${f(result.durationS, 0)} s`,
  );
  L.push('');
  L.push(
    'Every mode streams the same fake-provider reply; modes run in interleaved blocks (ABBA rotation) so machine noise hits all alike. ' +
      'All Workers run in one bare `workerd` process (one socket each), built by `wrangler deploy --dry-run`. ' +
      '**added** = mode − direct, per percentile (difference of percentiles, not percentile of differences). ' +
      "**server CPU** = the serving process (workerd; Portkey for the peer; the fake for direct) from /proc, 10 ms ticks; **server RSS** = that process after the mode's last block (one workerd serves every Worker mode, so it is shared). **inter-token** = gaps between network chunks carrying content, as the client saw them." +
      (result.peer
        ? ` Peer: Portkey \`${result.peer.entry}\` on Node ${result.peer.node === process.execPath ? result.node : result.peer.node}.`
        : ' Peer: not installed, skipped.'),
  );
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push(
    table(
      ['target', 'measured', 'met'],
      targets(result).map((t) => [t.name, t.measured, t.ok ? '✅' : '❌']),
    ),
  );
  L.push('');
  L.push(...summaryTable(result));
  if (chart) L.push(`![TTFT p50/p99 per mode](${chart})`, '');
  for (const p of result.ttft) {
    const words = p.reply === 'words';
    L.push(`## TTFT, ${p.concurrency} concurrent${words ? ', word tokens' : ''}`);
    L.push('');
    L.push(
      words
        ? `Reply: ${p.events} events, each a leading-space word as real tokenizers stream prose ("River", " runs", " past", …), gap ${p.gap} ms; the full mode runs the guard. ms, send → first content chunk.`
        : `Reply: \`${p.model.slice(0, 60)}…\` (${p.events} events of ${result.config.ttftReply.unit} chars, gap ${p.gap} ms, JSON; the full mode asks for it with a json_schema, so guard and structured both run). ms, send → first content chunk.`,
    );
    L.push('');
    L.push(
      ttftTable(
        p,
        result.modes.filter((x) => p.modes[x]),
      ),
    );
    L.push('');
  }
  L.push(...hedgeSection(result.hedge));
  if (brief) return L.join('\n');
  for (const r of result.throughput) {
    L.push(`## Throughput: ${r.label}, ${r.concurrency} concurrent, zero delay`);
    L.push('');
    L.push(
      `\`${r.model.slice(0, 60)}${r.model.length > 60 ? '…' : ''}\`: ${r.upstreamPerStream} upstream events a stream. Rates and CPU are per upstream event over the blocks' wall time (a stage that merges held-back text delivers fewer events, see "events delivered").`,
    );
    if (r.label === 'long JSON')
      L.push(
        'The fake echoes the (long, percent-encoded) model in every chunk, so these chunks are ~6× larger than the token ones: compare the two modes with each other, not with the table above.',
      );
    L.push('');
    L.push(throughputTable(r));
    L.push('');
  }
  if (Object.keys(result.slow).length) {
    const s = result.config.slow;
    L.push('## Slow consumer');
    L.push('');
    L.push(
      `${s.streams} streams per mode read at ${s.bytesPerS} B/s for ${s.durationMs / 1000} s, then dropped; reply: ${s.tokens} events of ${s.big} chars (~${Math.round((s.tokens * (s.big + 250)) / 1024 / 1024)} MiB). RSS of the serving process; "after" is ${s.settleMs / 1000} s after the drop. A relay without backpressure would read the provider at full speed: "provider wrote" would keep growing from ½ time to the end, up to the whole reply. With backpressure it stops once the socket buffers on each hop are full (loopback TCP buffers grow to several MiB, so a few MiB per hop is expected, and direct shows one hop's worth).`,
    );
    L.push('');
    L.push(slowTable(result.slow));
    L.push('');
  }
  const b = result.bundle;
  L.push('## Bundle');
  L.push('');
  L.push(
    `\`wrangler deploy --dry-run\` as configured: ${b.wrangler ? `${f(b.wrangler.rawKiB, 1)} KiB, gzip ${f(b.wrangler.gzipKiB, 1)} KiB (wrangler's figure)` : 'wrangler printed no size'}; index.js ${f(b.rawKiB, 1)} KiB, gzip -9 ${f(b.gzipKiB, 1)} KiB.`,
  );
  if (b.minified && Math.abs(b.minified.gzipKiB - (b.wrangler?.gzipKiB ?? b.gzipKiB)) > 0.5)
    L.push(
      '',
      `With \`--minify\` (\`"minify": true\` in wrangler.jsonc): ${f(b.minified.rawKiB, 1)} KiB, gzip ${f(b.minified.gzipKiB, 1)} KiB.`,
    );
  if (b.contributors?.length) {
    L.push('', 'What fills the minified bundle (esbuild metafile, bytes in output):', '');
    L.push(
      table(
        ['package or folder', 'KiB', 'share'],
        b.contributors.map((c) => [c.name, f(c.kib, 1), `${Math.round(100 * c.share)}%`]),
      ),
    );
  }
  L.push('');
  if (result.micro) {
    L.push('## Per-stage cost (in process, Node, µs per event)');
    L.push('');
    L.push(
      '`bench/stages.bench.ts`: 2,000-event streams, best and median of 7 rounds. The chain rows are what the relay runs per upstream read, minus the streams and sockets.',
    );
    L.push('');
    L.push(
      table(
        ['piece', 'best', 'median'],
        result.micro.map((r) => [r.name, f(r.bestUs), f(r.medianUs)]),
      ),
    );
    L.push('');
  }
  L.push(...costBreakdown(result));
  const holds = result.workerdLog.guardHolds ?? {};
  if (Object.keys(holds).length) {
    L.push("## Guard holds (from the gateway's own request log)", '');
    L.push(
      "The guard releases text once no rule can still match it, so a word is held until the event after it shows where it ends. `tokens` are the fake's `tokN ` tokens (each ends in a space), `json` the 4-character JSON units, `words` leading-space words.",
      '',
    );
    L.push(
      table(
        ['reply', 'streams', 'events held per stream', 'longest hold p50 ms', 'max ms'],
        Object.entries(holds).map(([k, h]) => [k, h.streams, f(h.held / h.streams, 1), h.maxHoldP50, h.maxHoldMax]),
      ),
      '',
    );
  }
  L.push('## Failures');
  L.push('');
  L.push(
    'The client drops idle keep-alive sockets after 10 s: bare workerd closes client connections idle for 15 s without announcing it, and a request written on such a socket at that instant fails with ECONNRESET before any Worker runs (that was the "dropped keep-alive requests" under load, on any mode in workerd). See bench/lib/client.mjs.',
    '',
  );
  if (result.errors.count === 0) L.push('None: every request in every scenario completed with the expected text.');
  else L.push(`${result.errors.count} failed:`, '', ...result.errors.samples.map((e) => `- ${e.where}: ${e.error}`));
  if (result.incomplete) L.push('', `**INCOMPLETE**: ${result.incomplete}`);
  if (result.workerdExitedEarly)
    L.push('', `workerd exited during the run: ${JSON.stringify(result.workerdExitedEarly)}`);
  L.push('', `Gateway request-log outcomes: \`${JSON.stringify(result.workerdLog.outcomes)}\``);
  if (result.workerdLog.otherLines.length)
    L.push('', 'Other workerd output:', '', '```', ...result.workerdLog.otherLines, '```');
  if (result.peerLog?.length) L.push('', 'Peer errors:', '', '```', ...result.peerLog, '```');
  L.push('');
  return L.join('\n');
}
