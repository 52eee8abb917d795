import * as z from 'zod';
import { cacheOverrideSchema } from './cache-override';

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
  /** Cache this request's answer for `ttl_s` in the caller's own scope (README, Caching). */
  cache: cacheOverrideSchema.optional(),
});

export type RequestOverrides = z.infer<typeof requestOverridesSchema>;
