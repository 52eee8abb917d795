// The peer gateway: Portkey's open-source gateway (`@portkey-ai/gateway`), installed outside the
// project and pointed at the same fake provider. Optional: without it the peer mode is skipped.
//
//   mkdir -p /tmp/infe-peer && cd /tmp/infe-peer
//   echo '{"dependencies":{"@portkey-ai/gateway":"1.15.2","@hono/node-server":"1.14.1"},
//          "overrides":{"@hono/node-server":"$@hono/node-server"}}' > package.json && npm install
//   INFE_PEER=/tmp/infe-peer npm run bench:report
//
// @hono/node-server is pinned: from 1.14.2 on its Response keeps the upstream's immutable headers,
// and Portkey 1.15.2 then fails every streaming request with "TypeError: immutable"
// (Portkey-AI/gateway#1389).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnLogged } from './procs.mjs';

const ENTRY = 'node_modules/@portkey-ai/gateway/build/start-server.js';

/** The peer's entry script from `--peer` / INFE_PEER (an npm prefix or the script itself), or null. */
export function findPeer(option) {
  const given = option ?? process.env.INFE_PEER;
  if (!given) return null;
  for (const candidate of [given, join(given, ENTRY)])
    if (candidate.endsWith('.js') && existsSync(candidate)) return candidate;
  throw new Error(`no Portkey gateway at ${given} (expected ${join(given, ENTRY)})`);
}

export async function startPeer(dir, entry) {
  const port = await freePort();
  // The same Node as the benchmark unless INFE_PEER_NODE says otherwise.
  const node = process.env.INFE_PEER_NODE ?? process.execPath;
  const proc = spawnLogged(node, [entry, `--port=${port}`, '--headless'], join(dir, 'peer.log'), {
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (proc.exited()) break;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return { ...proc, url, node };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  await proc.stop();
  throw new Error(`the peer gateway did not start on ${url}:\n${proc.log().slice(-2000)}`);
}

/** Headers that make Portkey call an OpenAI-compatible upstream at the fake provider. */
export function peerHeaders(fakeUrl) {
  return {
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': `${fakeUrl}/v1`,
    authorization: 'Bearer bench',
  };
}
