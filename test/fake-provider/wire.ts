// The provider-agnostic contract the response driver uses, so fault injection
// is written once and each wire module only knows how to spell events.

export type WireCtx = {
  /** Response id (chatcmpl-… / msg_…), stable across one response's events. */
  id: string;
  /** Tool-call id (call_… / toolu_…). */
  toolId: string;
  /** Echo of the request's model string. */
  model: string;
  /** Unix seconds, the same on every chunk of a response. */
  created: number;
  promptTokens: number;
  tool: boolean;
  /** False when the scenario says no_usage=1. */
  usage: boolean;
  /** OpenAI only: request had stream_options.include_usage=true. */
  includeUsage: boolean;
  /** OpenAI only: stream_options.include_obfuscation !== false. */
  obfuscation: boolean;
  /** usage_twice=1: the usage report is sent twice. */
  usageTwice?: boolean;
  /** usage_partial=1: the usage report lacks the output token count. */
  usagePartial?: boolean;
  /** cached=N: prompt tokens reported as cache reads (at most the prompt). */
  cached?: number;
  /** reasoning=N: output tokens reported as reasoning (at most the output). */
  reasoning?: number;
  /** cost_micros=N: OpenAI usage reports `cost` = N / 1e6 USD. */
  costMicros?: number | null;
};

/** The cache reads a usage report states: `cached=`, never more than the prompt. */
export const cachedOf = (ctx: WireCtx) => Math.min(ctx.cached ?? 0, ctx.promptTokens);

export type Wire = {
  /** JSON body for an HTTP error response with this status. */
  errorBody(status: number, message: string | null): string;
  /** Events sent once before the first content unit (role chunk / message_start…). */
  preamble(ctx: WireCtx): string;
  /** One content unit: text token i, or tool-argument piece i. */
  unit(ctx: WireCtx, i: number, text: string): string;
  /** Everything after the last unit: finish reason, usage, terminator (left out when `end` is false: chat wires). */
  finish(ctx: WireCtx, reason: string | null, outputTokens: number, end?: boolean): string;
  /** A corrupt event sent in place of a unit (malformed_at). */
  malformed(): string;
  /** In-band SSE error event (after a 200). */
  streamError(ctx: WireCtx): string;
  /** Non-streaming response body. */
  complete(ctx: WireCtx, text: string, reason: string | null, outputTokens: number): string;
};

export const KEEPALIVE_COMMENT = ': keep-alive\n\n';
