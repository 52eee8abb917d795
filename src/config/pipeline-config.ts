import * as z from 'zod';
import { guardPolicySchema } from '../guard/policy';
import { structuredOptionsSchema } from '../structured/structured-options';

/** A guard model behind an OpenAI-compatible `POST /moderations` endpoint. */
export const moderationConfigSchema = z.strictObject({
  base_url: z.url(),
  /** The name of the variable (secret) that holds its key, never the key itself. */
  api_key_variable: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
  model: z.string().optional(),
  timeout_ms: z.int().positive().default(3000),
});

/** The inline stages of a route, in the order they run: guard → moderation → structured → observe. */
export const pipelineConfigSchema = z.strictObject({
  /** Applied to the prompt (redact, or 400 on block) and to the reply as it streams. */
  guard: guardPolicySchema.optional(),
  moderation: moderationConfigSchema.optional(),
  /** Defaults for requests with `response_format` or tools. */
  structured: structuredOptionsSchema.prefault({}),
  /**
   * A field the chosen provider has no equivalent for is dropped and listed in the
   * `x-infe-dropped-params` response header, instead of a 400 naming it (README, Compatibility).
   */
  drop_unsupported_params: z.boolean().default(false),
  /** What a request may change through its `infe` field. */
  allow_overrides: z
    .strictObject({
      structured: z.boolean().default(true),
      disable_guard: z.boolean().default(false),
      // Only the caller's own request changes, so allowed unless the operator says otherwise.
      drop_unsupported_params: z.boolean().default(true),
      // `infe.cache` reads and writes only the caller's own entries, so allowed unless refused.
      cache: z.boolean().default(true),
    })
    .prefault({}),
});

export type PipelineConfig = z.output<typeof pipelineConfigSchema>;

/**
 * A session's own guard policy under the operator's: its rules are added to the operator's,
 * which come first and so win a tie, and replace them only where `allow_overrides.disable_guard`
 * lets a request switch the guard off anyway. A session must not do what a request may not.
 */
export function withSessionGuard(config: PipelineConfig, guard: PipelineConfig['guard']): PipelineConfig {
  if (!guard) return config;
  const operator = config.guard;
  if (!operator || config.allow_overrides.disable_guard) return { ...config, guard };
  return {
    ...config,
    guard: { rules: [...operator.rules, ...guard.rules], window: Math.max(operator.window, guard.window) },
  };
}
