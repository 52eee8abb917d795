import type { EventDecoder } from '../providers/provider';
import type { Emit, StreamEvent, Usage } from '../stream/events';

/**
 * How a cache object hands decoded upstream events to the Worker that relays them: one JSON
 * event per line. The Worker decodes them back with `createCacheDecoder`, so the relay reads a
 * cached or collapsed stream exactly as it reads a provider's.
 */
export function eventLine(event: StreamEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** The decoder a replayed stream gets in place of the provider's; `rewrite` may change an event. */
export function createCacheDecoder(rewrite: (event: StreamEvent) => StreamEvent = (event) => event): EventDecoder {
  const text = new TextDecoder();
  let pending = '';
  const emitLines = (emit: Emit) => {
    let start = 0;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      const line = pending.slice(start, end);
      start = end + 1;
      if (line) emit(rewrite(JSON.parse(line) as StreamEvent));
    }
    pending = pending.slice(start);
  };
  return {
    push(bytes, emit) {
      pending += text.decode(bytes, { stream: true });
      emitLines(emit);
    },
    end(emit) {
      pending += `${text.decode()}\n`;
      emitLines(emit);
    },
  };
}

type Json = Record<string, unknown>;
const count = (value: unknown) => (typeof value === 'number' ? value : 0);

/** The provider's own usage object with every prompt token read from a cache, and no cost of its own. */
function nativeCached(native: NonNullable<Usage['native']>): Usage['native'] {
  const { cost: _billed, ...value }: Json = native.value;
  if (native.dialect === 'anthropic') {
    const input = count(value.input_tokens) + count(value.cache_read_input_tokens);
    value.cache_read_input_tokens = input + count(value.cache_creation_input_tokens);
    value.input_tokens = 0;
    if ('cache_creation_input_tokens' in value) value.cache_creation_input_tokens = 0;
  } else if (typeof value.prompt_tokens === 'number') {
    const details = (value.prompt_tokens_details ?? {}) as Json;
    value.prompt_tokens_details = { ...details, cached_tokens: value.prompt_tokens };
  }
  return { dialect: native.dialect, value };
}

/**
 * A hit's usage: the prompt was not read again, so every prompt token counts as cached. The
 * provider's own `cost` (OpenRouter's) was billed to the request that called it, not this one:
 * it goes, so the client is told the gateway's figure (0), as the record says.
 */
export function cachedUsage(usage: Usage): Usage {
  const { cost: _billed, ...out }: Usage = usage;
  if (usage.inputTokens !== undefined) out.cachedInputTokens = usage.inputTokens;
  if (usage.cacheCreationInputTokens !== undefined) out.cacheCreationInputTokens = 0;
  if (usage.native) out.native = nativeCached(usage.native);
  return out;
}

/** Rewrites the usage a hit reports; every other event passes as stored. */
export function asHit(event: StreamEvent): StreamEvent {
  if (event.type === 'usage') return { ...event, usage: cachedUsage(event.usage) };
  if (event.type === 'start' && event.usage) return { ...event, usage: cachedUsage(event.usage) };
  return event;
}
