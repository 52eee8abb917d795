import * as z from 'zod';
import { GatewayError } from '../errors/gateway-error';
import { formatPath } from '../schema/validation-error';
import { cacheConfigSchema } from './cache-config';
import { pipelineConfigSchema } from './pipeline-config';
import { pricesSchema } from './prices';

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const strategy = z.enum(['ordered', 'latency', 'cost']);
/** Share of requests that try a target other than the best, so a recovered one is measured again. */
const DEFAULT_EXPLORE = 0.05;

/**
 * `ordered`: the configured order. `latency`: cheapest measured expected TTFT first (see
 * src/routing/target-stats.ts). `cost`: the cheapest target whose expected TTFT is within
 * `max_ttft_ms` (no bound when absent), else the fastest (src/routing/cost-order.ts). The short
 * string form takes the default exploration.
 */
const routingSchema = z.union([
  strategy.transform((name) => ({ strategy: name, explore: DEFAULT_EXPLORE, max_ttft_ms: undefined })),
  z.strictObject({
    strategy,
    explore: z.number().min(0).max(1).default(DEFAULT_EXPLORE),
    max_ttft_ms: z.int().min(1).max(600_000).optional(),
  }),
]);

/**
 * Mid-stream failover: `splice` continues a reply that failed after its first token on a
 * continuation-capable target, from the text already sent, at most `max_splices` times a request.
 */
const resumeSchema = z.strictObject({
  mode: z.enum(['off', 'splice']),
  max_splices: z.int().min(1).max(8).default(2),
});

const aliasSchema = z.strictObject({
  /** Tried in order: the next one is used when the previous fails before its first token. */
  targets: z.array(z.string().regex(/^[^/\s]+\/\S+$/, "must be 'provider/model'")).min(1),
  /** Replaces the gateway-wide pipeline for this alias. */
  pipeline: pipelineConfigSchema.optional(),
  /**
   * Hedged start: when no target has produced its first event within `after_ms`, the next one
   * starts too; the first to answer wins and the others are aborted. Costs extra upstream calls.
   */
  hedge: z
    .strictObject({ after_ms: z.int().min(0).max(60_000), max_parallel: z.int().min(2).max(4).default(2) })
    .optional(),
  /** How the targets are ordered for each request; the configured order when absent. */
  routing: routingSchema.optional(),
  /** Replaces the gateway-wide `resume` for this alias. */
  resume: resumeSchema.optional(),
  /** Caches this alias's answers; replaces the gateway-wide `cache`. */
  cache: cacheConfigSchema.optional(),
});

/** `GATEWAY_CONFIG`: JSON for what does not fit a flat variable. */
export const gatewayConfigSchema = z.strictObject({
  aliases: z.record(z.string().min(1), aliasSchema).default({}),
  /** The inline stages for every request that does not use an alias with its own. */
  pipeline: pipelineConfigSchema.prefault({}),
  /** USD per million tokens by `provider/model`, over the built-in table (src/config/prices.ts). */
  prices: pricesSchema.default({}),
  /** What happens when a stream fails after its first token; off (an honest error event) when absent. */
  resume: resumeSchema.optional(),
  /** Caches every model's answers (README, Caching); off when absent. */
  cache: cacheConfigSchema.optional(),
});

/** Every tunable the relay reads, from wrangler vars / `.dev.vars`, validated once per isolate. */
export const settingsSchema = z.object({
  /** Per attempt, to the provider's first content, finish or error event (headers, role chunks and keep-alives do not count). */
  FIRST_BYTE_TIMEOUT_MS: ms(30_000),
  /** Longest silence between content events; keep-alive comments do not reset it. */
  STREAM_IDLE_TIMEOUT_MS: ms(30_000),
  /**
   * A streaming client that takes no byte for this long is ended: its upstream aborted, its key
   * slot freed, recorded `client_stalled`. 0 waits as long as the client keeps the connection.
   */
  WRITE_IDLE_TIMEOUT_MS: ms(30_000),
  /** A request body still arriving after this long is refused with 408 (a client gone silent mid-body). */
  BODY_READ_TIMEOUT_MS: ms(30_000),
  /** Extra attempts per target for 429, 5xx and network errors, before falling back. */
  UPSTREAM_MAX_RETRIES: ms(2),
  /** First backoff step; doubles per attempt, with jitter. */
  UPSTREAM_RETRY_BASE_MS: ms(200),
  /**
   * When > 0, a streaming response is committed (200, SSE) if no upstream event arrived within
   * this many ms, and an SSE comment is written at that interval until one does. This is how a
   * client hang-up during a long prefill is noticed (workerd reports no cancellation before the
   * response starts); the price is that a later failure becomes an error event instead of a status.
   */
  PREFILL_PROBE_MS: ms(0),
  /**
   * How old this isolate's copy of the latency estimates may be before it is refreshed (in the
   * background: a request never waits for it). Also the longest an isolate holds its samples.
   */
  ROUTE_STATS_TTL_MS: ms(1000),
  /**
   * Session warm-ups (sessions created with `warmup: true`) started per session in any 60 s; each
   * is one extra minimal upstream request. 0 turns warm-ups off for every session.
   */
  SESSION_WARMUP_PER_MINUTE: z.coerce.number().int().min(0).max(60).default(6),
  /**
   * A cached answer larger than this (its stored events, in bytes) is served but not kept. An
   * entry is one SQLite row in its Durable Object, and a row holds at most 2 MB.
   */
  CACHE_MAX_ENTRY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1_900_000)
    .default(1024 * 1024),
  /**
   * Under a key's budget, the output cap of a request that sets none (the gateway sets it): a
   * budget reserves each request's worst case, and without a cap there is none to reserve.
   */
  BUDGET_DEFAULT_MAX_TOKENS: z.coerce.number().int().positive().default(4096),
  /** Log prompts and completions (after the guard's redaction) with each request record. */
  LOG_PAYLOADS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Request bodies above this many bytes get 413; large enough for a few inline images. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** Browser origins allowed to call the API cross-origin, comma-separated; none by default. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  GATEWAY_CONFIG: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (!raw) return gatewayConfigSchema.parse({});
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
      const parsed = gatewayConfigSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        ctx.addIssue({ code: 'custom', message: `${formatPath(issue?.path ?? [])}: ${issue?.message}` });
        return z.NEVER;
      }
      return parsed.data;
    }),
});

export type Settings = z.infer<typeof settingsSchema>;
export type Alias = z.infer<typeof aliasSchema>;
export type ResumeConfig = z.infer<typeof resumeSchema>;

const cache = new WeakMap<object, Settings>();

/** A broken deployment config is the operator's problem: say what is wrong, without values. */
export function settingsFor(env: object): Settings {
  let settings = cache.get(env);
  if (settings) return settings;
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GatewayError(
      500,
      'server_error',
      `Gateway misconfigured: ${formatPath(issue?.path ?? [])} ${issue?.message}.`,
      {
        code: 'gateway_misconfigured',
      },
    );
  }
  settings = parsed.data;
  cache.set(env, settings);
  return settings;
}
