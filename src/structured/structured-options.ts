import * as z from 'zod';
import type { ChatRequest } from '../schema/chat-request';

/** The gateway's own switches for structured output, validated with the rest of the config. */
export const structuredOptionsSchema = z.strictObject({
  /** Send `partial-object` annotations as the JSON reply grows (opt-in: they repeat the value). */
  partialObjects: z.boolean().default(false),
  /** End the generation as soon as the output can no longer become valid, instead of paying for the rest. */
  stopOnInvalid: z.boolean().default(false),
});

export type StructuredGatewayOptions = z.infer<typeof structuredOptionsSchema>;

/** What the structured stage checks: the request's own fields plus the gateway's switches. */
export interface StructuredStageOptions extends StructuredGatewayOptions {
  responseFormat?: ChatRequest['response_format'];
  tools?: ChatRequest['tools'];
}
