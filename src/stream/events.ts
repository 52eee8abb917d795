/**
 * The one event vocabulary every provider decodes into and every stage and encoder consumes.
 * What has a meaning in every dialect is typed; what only the upstream's own dialect can express
 * travels beside it as an `upstream-extra`, so a client of that dialect still receives it.
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** The wire dialects the gateway decodes and encodes. */
export type Dialect = 'openai' | 'anthropic';

/** As reported by the provider; a field it did not report stays undefined (never a made-up 0). */
export interface Usage {
  /** Every prompt token, cached or not (OpenAI's `prompt_tokens`; Anthropic's input + cache read + cache write). */
  inputTokens?: number;
  outputTokens?: number;
  /** Prompt tokens read from the provider's cache (`cached_tokens`, `cache_read_input_tokens`). */
  cachedInputTokens?: number;
  /** Prompt tokens written to the cache (Anthropic's `cache_creation_input_tokens`). */
  cacheCreationInputTokens?: number;
  /** Output tokens spent thinking (`completion_tokens_details.reasoning_tokens`). */
  reasoningTokens?: number;
  /** What the provider says the request cost (OpenRouter's `usage.cost`). */
  cost?: number;
  /**
   * The gateway's USD figure for the whole request so far (the served attempt, hedged legs that
   * lost, billed retries) at the prices in force; set by the observe stage, absent when unpriced.
   * Clients read it as `usage.cost` where the provider sent no `cost` of its own.
   */
  costUsd?: number;
  /** The provider's own usage object, re-emitted whole to a client of the same dialect. */
  native?: { dialect: Dialect; value: Record<string, unknown> };
}

export interface StreamErrorInfo {
  /** Stable machine-readable code, e.g. `upstream_overloaded`. */
  code: string;
  message: string;
}

/** Which of `n` choices an event belongs to; absent means 0. */
interface OfChoice {
  choice?: number;
}

export type StreamEvent =
  /** The upstream accepted the request and is answering; Anthropic reports the prompt's usage here. */
  | { type: 'start'; id?: string; usage?: Usage }
  | ({ type: 'text'; text: string } & OfChoice)
  /** Thinking tokens some models stream apart from the answer (e.g. DeepSeek R1). */
  | ({ type: 'reasoning'; text: string } & OfChoice)
  /** The model declined: OpenAI's `refusal`, the text a refusing reply carries instead of content. */
  | ({ type: 'refusal'; text: string } & OfChoice)
  | ({ type: 'tool-call-start'; index: number; id: string; name: string } & OfChoice)
  | ({ type: 'tool-call-delta'; index: number; arguments: string } & OfChoice)
  | { type: 'usage'; usage: Usage }
  /** `stopSequence`: the stop sequence that ended the reply, when the provider names it. */
  | ({ type: 'finish'; reason: FinishReason; stopSequence?: string } & OfChoice)
  /** An error the provider reported inside a stream that had already started (HTTP 200). */
  | { type: 'error'; error: StreamErrorInfo }
  | UpstreamExtra
  | GatewayAnnotation;

/**
 * What an OpenAI chunk carried beyond the typed events: top-level fields (`x_groq`, …), and per
 * choice its own fields (`logprobs`, …) and its delta's (`annotations`, `audio`, …).
 */
export interface OpenAIExtraChoice {
  index: number;
  fields?: Record<string, unknown>;
  delta?: Record<string, unknown>;
}

/**
 * The residue of an upstream event that the typed events do not carry, for a client of the same
 * dialect. Stages pass it on at once and never treat it as content, nor as a boundary unless it
 * says it is one.
 */
export type UpstreamExtra =
  | {
      type: 'upstream-extra';
      dialect: 'openai';
      /** Fields every chunk repeats (`system_fingerprint`, `service_tier`): sent when they change. */
      constants?: Record<string, unknown>;
      fields?: Record<string, unknown>;
      choices?: OpenAIExtraChoice[];
      /** Its chunk had no typed content: write it as a chunk of its own, not into the next one. */
      alone?: boolean;
      /** The delta key this upstream streams reasoning under, when it is not `reasoning_content` (OpenRouter). */
      reasoningField?: 'reasoning';
    }
  | {
      type: 'upstream-extra';
      dialect: 'anthropic';
      /** The upstream SSE event as it came (block indices are the upstream's). */
      event: Record<string, unknown> & { type: string; index?: number };
      /** It opens a content block of its own: text a stage holds back belongs before it. */
      boundary?: boolean;
    }
  | {
      type: 'upstream-extra';
      dialect: 'responses';
      /** A Responses API stream event as it came, without its `sequence_number` (the encoder numbers its own). */
      event: Record<string, unknown> & { type: string };
      /** It opens or closes a part or item: text a stage holds back belongs before it. */
      boundary?: boolean;
    };

/**
 * Events stages add about the stream, never decoded from a provider. Encoders pass them on only
 * to clients that opted in, in a shape that plain SDK clients skip safely.
 */
export type GatewayAnnotation =
  /** A guard rule matched: `redact` replaced text with a placeholder, `block` ended the stream. */
  | { type: 'guard'; action: 'redact' | 'block' | 'flag'; rule: string }
  /** Withdraw the last `chars` characters already sent (a moderation verdict came after them). */
  | { type: 'retract'; chars: number; reason: string }
  /** The structured output parsed so far. */
  | { type: 'partial-object'; value: unknown }
  /** The structured output's final check against its schema. */
  | { type: 'structured-result'; valid: boolean; errors: string[]; stoppedEarly: boolean; refusal?: boolean }
  /** End-of-stream timings for the client. */
  | { type: 'metrics'; ttftMs: number; tokensPerSecond: number; outputTokens: number };

/** Events that carry generated content: forwarding one commits the response to this attempt. */
export function isContent(event: StreamEvent): boolean {
  return (
    event.type === 'text' ||
    event.type === 'reasoning' ||
    event.type === 'refusal' ||
    event.type === 'tool-call-start' ||
    event.type === 'tool-call-delta'
  );
}

/** Hands one event downstream: what decoders, stages and the relay call, synchronously. */
export type Emit = (event: StreamEvent) => void;
