import type { GatewayError } from '../errors/gateway-error';
import type { ChatRequest } from '../schema/chat-request';
import type { Emit } from '../stream/events';
import type { UpstreamResponse } from './upstream-fetch';

/**
 * Turns one upstream body into events, synchronously, so decoding shares the relay's single
 * stream hop. Fresh state per stream. A decoder never throws for bad provider data: it emits
 * an `error` event instead.
 */
export interface EventDecoder {
  push(bytes: Uint8Array, emit: Emit): void;
  /** The upstream body ended. */
  end(emit: Emit): void;
}

/** An upstream that has answered with a success status and is about to stream. */
export interface UpstreamStream {
  body: ReadableStream<Uint8Array>;
  decoder: EventDecoder;
  /** The provider's id for the request, sent back as `x-infe-upstream-request-id`. */
  requestId?: string;
  /** Fields dropped under the drop policy, sent back as `x-infe-dropped-params`. */
  dropped?: readonly string[];
}

/**
 * How a provider continues a reply from a given assistant prefix (a mid-stream splice, README
 * *Mid-stream failover*). A provider without one is never asked to continue.
 */
export interface Continuation {
  /** The request's switch: a trailing assistant message, `prefix: true` on it, or `continue_final_message`. */
  readonly via: 'trailing-assistant' | 'prefix-flag' | 'continue-final-message' | 'simulator';
  /** The API refuses a prefix that ends in whitespace (Anthropic): it is sent without it and the reply repeats it. */
  readonly trimsTrailingWhitespace?: boolean;
  /** The reply starts with the prefix itself (Mistral) before its continuation. */
  readonly echoesPrefix?: boolean;
}

export interface Provider {
  readonly id: string;
  /** Models offered by `/v1/models`, without the `provider/` prefix. */
  readonly models: readonly string[];
  readonly continuation?: Continuation;
  /**
   * Opens the upstream stream for `model` (no provider prefix). Throws a GatewayError for a
   * failure status (via upstreamHttpError) and rejects with the signal's reason when aborted.
   * With `continueFrom` (only for a provider with `continuation`), the reply goes on after that
   * text, sent as the assistant's own beginning.
   */
  open(request: ChatRequest, model: string, signal: AbortSignal, continueFrom?: string): Promise<UpstreamStream>;
  /**
   * `POST /v1/messages/count_tokens` as the provider itself counts, for providers that can; the
   * route estimates for the others.
   */
  countTokens?(
    body: Record<string, unknown>,
    model: string,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<UpstreamResponse>;
  /**
   * The 4xx for a model this provider certainly does not offer, known without a network call;
   * absent where the upstream decides (any name may be valid there).
   */
  refuseModel?(model: string): GatewayError | undefined;
}

/** How the registry finds a provider: enabled by `create` returning one, or not offered. */
export interface ProviderDefinition {
  readonly id: string;
  /** Named in the error a client gets when it asks for this provider while it is not configured. */
  readonly requiredVariable: string;
  create(env: ProviderEnv): Provider | undefined;
}

/** Bindings and variables the providers read. Provider keys are looked up by name. */
export type ProviderEnv = Record<string, unknown> & { AI?: Ai };
