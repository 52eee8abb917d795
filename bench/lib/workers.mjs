// Several Workers in one workerd process: the gateway with each pipeline, and the trivial
// pass-through Workers that are the runtime's floor. One process, one socket per Worker.
//
// Why one process: every mode then runs on the same workerd binary, thread and outbound pool, and
// the modes run one block at a time, so the process's CPU during a block is that mode's. Idle
// Workers cost nothing; RSS is compared as growth within a block, not as an absolute.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capnpString } from './procs.mjs';

/**
 * The floor: fetch the upstream, hand its body back. FLOOR picks the hop: `body` returns the
 * upstream body as is, `identity` pipes it through a native IdentityTransformStream, `js` through
 * one JS TransformStream (no transform function: DESIGN.md measured the same cost with one);
 * `pump` is the gateway relay's shape with no work in it (see pump below).
 */
const FLOOR_SOURCE = `export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return new Response('ok');
    const upstream = await fetch(env.UPSTREAM + url.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: await request.text(),
    });
    const headers = { 'content-type': upstream.headers.get('content-type') ?? 'text/event-stream' };
    if (env.FLOOR === 'body') return new Response(upstream.body, { status: upstream.status, headers });
    if (env.FLOOR.startsWith('pump'))
      return new Response(pump(upstream.body, ctx, env.FLOOR === 'pump-overlap'), { status: upstream.status, headers });
    const hop = env.FLOOR === 'js' ? new TransformStream() : new IdentityTransformStream();
    return new Response(upstream.body.pipeThrough(hop), { status: upstream.status, headers });
  },
};

// The relay's shape without its work: JS reads the upstream reader and writes each chunk into a
// native IdentityTransformStream. Logs its reads per stream, to tell reads from events. With
// \`overlap\`, the next read starts while the previous write is still being taken (one chunk in
// flight), instead of read → await write → read.
function pump(body, ctx, overlap) {
  const { readable, writable } = new IdentityTransformStream();
  const writer = writable.getWriter();
  const reader = body.getReader();
  ctx.waitUntil((async () => {
    let reads = 0;
    let bytes = 0;
    let pending = Promise.resolve();
    let ok = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        reads++;
        bytes += value.byteLength;
        if (overlap) {
          await pending;
          pending = writer.write(value);
        } else await writer.write(value);
      }
      await pending;
      await writer.close();
      ok = true;
    } catch (error) {
      reader.cancel(error).catch(() => {});
      writer.abort(error).catch(() => {});
    }
    console.log(JSON.stringify({ type: 'floor-pump', ok, reads, bytes }));
  })());
  return readable;
}
`;

export function writeFloorWorker(dir) {
  writeFileSync(join(dir, 'floor.js'), FLOOR_SOURCE);
  return 'floor.js';
}

/** The namespace and storage lines of a Worker with Durable Objects; its uniqueKey is its name. */
function durableObjects(w) {
  const classes = Object.values(w.durableObjects ?? {});
  if (classes.length === 0) return '';
  const namespaces = classes.map(
    (className) =>
      `(className = ${capnpString(className)}, uniqueKey = ${capnpString(`${w.name}-${className}`)}, enableSql = true)`,
  );
  return `\n  durableObjectNamespaces = [ ${namespaces.join(', ')} ],\n  durableObjectStorage = (localDisk = "do-storage"),`;
}

const binding = ([name, value]) =>
  typeof value === 'string'
    ? `(name = ${capnpString(name)}, text = ${capnpString(value)})`
    : `(name = ${capnpString(name)}, json = ${capnpString(JSON.stringify(value))})`;

/**
 * workers: [{ name, port, module, bindings, durableObjects? }], where durableObjects maps a binding
 * name to the exported class (SQLite-backed, stored on disk under `storageDir`, as in production).
 * `embed` paths are relative to the config file, which sits beside the bundles.
 */
export function multiWorkerdConfig({ workers, compatibilityDate, compatibilityFlags, storageDir }) {
  // Cap'n Proto declaration names are camelCase: floor-identity → wFloorIdentity.
  const ident = (name) => `w${name.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, _sep, c) => c.toUpperCase())}`;
  const services = workers.map((w) => `    (name = ${capnpString(w.name)}, worker = .${ident(w.name)}),`);
  const sockets = workers.map(
    (w) =>
      `    (name = ${capnpString(w.name)}, address = ${capnpString(`127.0.0.1:${w.port}`)}, http = (), service = ${capnpString(w.name)}),`,
  );
  const defs = workers.map(
    (w) => `const ${ident(w.name)} :Workerd.Worker = (
  modules = [ (name = ${capnpString(w.module)}, esModule = embed ${capnpString(w.module)}) ],
  compatibilityDate = ${capnpString(compatibilityDate)},
  compatibilityFlags = [${compatibilityFlags.map(capnpString).join(', ')}],
  bindings = [ ${[
    ...Object.entries(w.bindings).map(binding),
    ...Object.entries(w.durableObjects ?? {}).map(
      ([name, className]) => `(name = ${capnpString(name)}, durableObjectNamespace = ${capnpString(className)})`,
    ),
  ].join(',\n    ')} ],
  globalOutbound = "loopback",${durableObjects(w)}
);`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
${services.join('\n')}
    # The default "internet" service only reaches public addresses; the fake provider is on loopback.
    (name = "loopback", network = (allow = ["private"])),${storageDir ? `\n    (name = "do-storage", disk = (path = ${capnpString(storageDir)}, writable = true)),` : ''}
  ],
  sockets = [
${sockets.join('\n')}
  ],
);

${defs.join('\n\n')}
`;
}
