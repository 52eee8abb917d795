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
    })
    .prefault({}),
});

export type PipelineConfig = z.output<typeof pipelineConfigSchema>;

/** A request's own choices, within what `allow_overrides` permits (the `infe` body field). */
export const requestOverridesSchema = z.strictObject({
  structured: z
    .strictObject({ partial_objects: z.boolean().optional(), stop_on_invalid: z.boolean().optional() })
    .optional(),
  guard: z.literal('off').optional(),
  /**
   * Mark the stable prompt prefix for providers that cache only where told (Anthropic's
   * `cache_control`): the system prompt and everything before the last message. Changes cost and
   * speed, never the answer, so no `allow_overrides` entry guards it. Sessions always set it.
   */
  cache_prefix: z.boolean().optional(),
  /** Drop (and list in `x-infe-dropped-params`) fields the provider cannot take, instead of a 400. */
  drop_unsupported_params: z.boolean().optional(),
});

export type RequestOverrides = z.infer<typeof requestOverridesSchema>;
