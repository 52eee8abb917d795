import { describe, expect, it } from 'vitest';
import anthropicFidelity from '../../test/fixtures/anthropic-fidelity.sse?raw';
import openaiFidelity from '../../test/fixtures/openai-fidelity.sse?raw';
import { anthropicRewrites, openAIRewrites, sseData } from '../../test/support/fidelity';
import { splits } from '../../test/support/split';
import { createAnthropicDecoder } from '../providers/anthropic-decoder';
import { createOpenAIChunkDecoder } from '../providers/openai-chunk-decoder';
import type { EventDecoder } from '../providers/provider';
import { createAnthropicSseEncoder } from './anthropic-sse';
import type { Encoder } from './encoder';
import { createOpenAISseEncoder } from './openai-sse';

const meta = { id: 'chatcmpl-req1', model: 'openai/gpt-4o', created: 1 };
const bytes = (text: string) => new TextEncoder().encode(text);

/** Decoder straight into encoder, flushed after each piece as the relay flushes after each read. */
function relay(decoder: EventDecoder, encoder: Encoder, pieces: Uint8Array[]): string {
  let out = '';
  const emit = (event: Parameters<Encoder['event']>[0]) => {
    out += encoder.event(event);
  };
  for (const piece of pieces) {
    decoder.push(piece, emit);
    out += encoder.flush?.() ?? '';
  }
  decoder.end(emit);
  return out + encoder.end();
}

describe('same-dialect relay: every upstream field reaches the client', () => {
  it('OpenAI: each chunk comes back deep-equal but for the documented rewrites, however the bytes are split', () => {
    const expected = sseData(openaiFidelity).map(openAIRewrites);
    const run = (pieces: Uint8Array[]) =>
      sseData(relay(createOpenAIChunkDecoder(), createOpenAISseEncoder(meta, true), pieces)).map(openAIRewrites);
    expect(run([bytes(openaiFidelity)])).toEqual(expected);
    for (const pieces of splits(bytes(openaiFidelity))) expect(run(pieces)).toEqual(expected);
  });

  it('Anthropic: each event comes back deep-equal but for the documented rewrites, however the bytes are split', () => {
    const expected = anthropicRewrites(sseData(anthropicFidelity));
    const run = (pieces: Uint8Array[]) =>
      anthropicRewrites(sseData(relay(createAnthropicDecoder(), createAnthropicSseEncoder(meta), pieces)));
    expect(run([bytes(anthropicFidelity)])).toEqual(expected);
    for (const pieces of splits(bytes(anthropicFidelity))) expect(run(pieces)).toEqual(expected);
  });
});
