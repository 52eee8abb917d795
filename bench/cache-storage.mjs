// `node bench/cache-storage.mjs`: where a cached answer should live, measured in local workerd
// (Miniflare). One stored answer (its events as JSON) is written once, then read the way a hit
// reads it: through the Cache API (caches.default), KV, or a SQLite Durable Object per key (an
// RPC call to the object, which reads its one row). Sequential reads, then 50 at once.
//
// Local caveat: Miniflare runs the Cache API and KV as local simulators, and the Durable Object in
// the same process; deployed, a Cache API read stays in the data center, a KV read of a hot key is
// served from the data center's cache and a cold one from a central store, and a Durable Object
// lives in one location, so a far caller pays the round trip to it.
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { summarize } from './lib/stats.mjs';

const SIZES = { '40 KB (a 200-event reply)': 200, '1 MB (the default cap)': 5000 };
const READS = 200;
const CONCURRENCY = 50;

const script = `
import { DurableObject } from 'cloudflare:workers';
export class Entry extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY, events TEXT)');
  }
  put(events) { this.ctx.storage.sql.exec('INSERT OR REPLACE INTO entry (id, events) VALUES (1, ?)', events); }
  get() { return this.ctx.storage.sql.exec('SELECT events FROM entry').toArray()[0]?.events; }
}
const url = (key) => 'https://cache.invalid/' + key;
export default {
  async fetch(request, env) {
    const params = new URL(request.url).searchParams;
    const store = params.get('store');
    const key = params.get('key');
    const put = request.method === 'PUT' ? await request.text() : undefined;
    let body;
    if (store === 'cache') {
      if (put) await caches.default.put(url(key), new Response(put, { headers: { 'cache-control': 'max-age=3600' } }));
      else body = await (await caches.default.match(url(key)))?.text();
    } else if (store === 'kv') {
      if (put) await env.KV.put(key, put, { expirationTtl: 3600 });
      else body = await env.KV.get(key);
    } else {
      const stub = env.ENTRY.get(env.ENTRY.idFromName(key));
      if (put) await stub.put(put);
      else body = await stub.get();
    }
    if (put) return new Response('ok');
    return body === undefined || body === null ? new Response('miss', { status: 404 }) : new Response(body);
  },
};`;

function entryOf(events) {
  const lines = [];
  for (let i = 0; i < events; i++) lines.push([i * 5, { type: 'text', text: `token${i} `.padEnd(150, '.') }]);
  return JSON.stringify(lines);
}

async function timeRead(base, store, key) {
  const t0 = performance.now();
  const res = await fetch(`${base}/?store=${store}&key=${key}`);
  const text = await res.text();
  if (!res.ok || text.length === 0) throw new Error(`${store}: read failed (${res.status})`);
  return performance.now() - t0;
}

async function main() {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script,
      compatibilityDate: '2026-11-01',
      kvNamespaces: ['KV'],
      durableObjects: { ENTRY: { className: 'Entry', useSQLite: true } },
      cf: false,
    }),
  );
  const base = (await mf.ready).origin.replace(/\/$/, '');
  const rows = [];
  try {
    for (const [label, events] of Object.entries(SIZES)) {
      const body = entryOf(events);
      for (const store of ['cache', 'kv', 'do']) {
        const key = `${store}-${events}`;
        const w0 = performance.now();
        const put = await fetch(`${base}/?store=${store}&key=${key}`, { method: 'PUT', body });
        await put.text();
        const writeMs = performance.now() - w0;
        for (let i = 0; i < 10; i++) await timeRead(base, store, key);
        const sequential = [];
        for (let i = 0; i < READS; i++) sequential.push(await timeRead(base, store, key));
        const concurrent = [];
        for (let done = 0; done < READS; done += CONCURRENCY)
          concurrent.push(
            ...(await Promise.all(Array.from({ length: CONCURRENCY }, () => timeRead(base, store, key)))),
          );
        const [s, c] = [summarize(sequential), summarize(concurrent)];
        rows.push({ label, store, bytes: body.length, writeMs, seq: s, conc: c });
      }
    }
  } finally {
    await mf.dispose();
  }
  console.log(
    `| entry | store | write ms | read p50 / p99 ms (1 at a time) | read p50 / p99 ms (${CONCURRENCY} at once) |`,
  );
  console.log('|---|---|---|---|---|');
  const f = (v) => v.toFixed(1);
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.store} | ${f(r.writeMs)} | ${f(r.seq.p50)} / ${f(r.seq.p99)} | ${f(r.conc.p50)} / ${f(r.conc.p99)} |`,
    );
}

await main();
