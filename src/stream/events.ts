/**
 * The one event vocabulary every provider decodes into and every stage and encoder consumes.
 * Provider-specific shapes end at the adapter; nothing downstream knows which provider spoke.
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** As reported by the provider; a field it did not report stays undefined (never a made-up 0). */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface StreamErrorInfo {
  /** Stable machine-readable code, e.g. `upstream_overloaded`. */
  code: string;
  message: string;
}

export type StreamEvent =
  /** The upstream accepted the request and is answering. */
  | { type: 'start'; id?: string }
  | { type: 'text'; text: string }
  /** Thinking tokens some models stream apart from the answer (e.g. DeepSeek R1). */
  | { type: 'reasoning'; text: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; arguments: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason }
  /** An error the provider reported inside a stream that had already started (HTTP 200). */
  | { type: 'error'; error: StreamErrorInfo }
  | GatewayAnnotation;

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
  | { type: 'structured-result'; valid: boolean; errors: string[]; stoppedEarly: boolean }
  /** End-of-stream timings for the client. */
  | { type: 'metrics'; ttftMs: number; tokensPerSecond: number; outputTokens: number };

/** Events that carry generated content: forwarding one commits the response to this attempt. */
export function isContent(event: StreamEvent): boolean {
  return (
    event.type === 'text' ||
    event.type === 'reasoning' ||
    event.type === 'tool-call-start' ||
    event.type === 'tool-call-delta'
  );
}

/** Hands one event downstream: what decoders, stages and the relay call, synchronously. */
export type Emit = (event: StreamEvent) => void;
