// What the benchmark reads back from workerd's stdout: the floor-pump Worker's reads per stream,
// and the gateway's own request records (how long the guard held text back).

/** The floor-pump Worker logs its reads per stream: long replies (> 100 KB) and short ones apart. */
export function pumpReads(text) {
  const kinds = { short: { streams: 0, reads: 0, bytes: 0 }, long: { streams: 0, reads: 0, bytes: 0 } };
  const rest = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"floor-pump"')) {
      rest.push(line);
      continue;
    }
    try {
      const r = JSON.parse(line);
      // Dropped streams (the slow consumer) say nothing about reads per event.
      if (!r.ok) continue;
      const k = kinds[r.bytes > 100_000 ? 'long' : 'short'];
      k.streams++;
      k.reads += r.reads;
      k.bytes += r.bytes;
    } catch {
      rest.push(line);
    }
  }
  return { text: rest.join('\n'), pump: kinds.short.streams + kinds.long.streams ? kinds : null };
}

/** The gateway logs, per request, how many content events the guard held back and the longest hold. */
export function guardHolds(text) {
  const kinds = {};
  for (const line of text.split('\n')) {
    if (!line.includes('"guard":{"maxHoldMs"')) continue;
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    const g = r.stages?.guard;
    if (r.type !== 'request' || !g) continue;
    const kind = r.model.includes('text=River') ? 'words' : r.model.includes('json_chars=') ? 'json' : 'tokens';
    kinds[kind] ??= { streams: 0, held: 0, holds: [] };
    const k = kinds[kind];
    k.streams++;
    k.held += g.heldEvents;
    k.holds.push(g.maxHoldMs);
  }
  for (const k of Object.values(kinds)) {
    k.holds.sort((a, b) => a - b);
    k.maxHoldP50 = k.holds[Math.floor(k.holds.length / 2)];
    k.maxHoldMax = k.holds.at(-1);
    delete k.holds;
  }
  return kinds;
}
