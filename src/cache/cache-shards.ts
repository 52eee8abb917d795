import type { Bindings } from '../app-env';

/**
 * Cache keys are spread over this many objects, by their first byte. A fixed set of warm objects,
 * not one per key: creating an object (and its SQLite database) cost a miss about 6 ms more in
 * workerd, and every key of a miss is new. Identical requests still meet in one object.
 */
export const CACHE_SHARDS = 64;

const nameOf = (index: number) => `shard-${index}`;

/** The name of the object that holds `key` (a hex digest). */
export function shardName(key: string): string {
  return nameOf(Number.parseInt(key.slice(0, 2), 16) % CACHE_SHARDS);
}

type Namespace = NonNullable<Bindings['RESPONSE_CACHE']>;

/** The object that holds `key`. */
export function shardOf(namespace: Namespace, key: string) {
  return namespace.get(namespace.idFromName(shardName(key)));
}

/** Every shard, for a purge by model or of everything. */
export function allShards(namespace: Namespace) {
  return Array.from({ length: CACHE_SHARDS }, (_, index) => namespace.get(namespace.idFromName(nameOf(index))));
}
