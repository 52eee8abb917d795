import type { OpenAIExtraChoice, UpstreamExtra } from '../stream/events';

export type OpenAIExtra = Extract<UpstreamExtra, { dialect: 'openai' }>;

/**
 * Chunk fields the typed events carry or the encoder writes itself. `obfuscation` pads the
 * upstream chunk's length against a length side channel; the gateway's chunks differ in length
 * anyway (its own id and model), so the padding is dropped rather than repeated.
 */
const CHUNK_TYPED = new Set(['id', 'object', 'created', 'model', 'choices', 'usage', 'obfuscation', 'error']);
/** Repeated on every chunk: sent once (and on change), and the encoder repeats them on each of its chunks. */
const CONSTANTS = new Set(['system_fingerprint', 'service_tier']);
const CHOICE_TYPED = new Set(['index', 'delta', 'finish_reason']);
const DELTA_TYPED = new Set(['role', 'content', 'refusal', 'reasoning_content', 'reasoning', 'tool_calls']);

type Json = Record<string, unknown>;

/** The fields of `object` outside `typed`; null counts as absent (every SDK reads it so). */
function rest(object: Json, typed: Set<string>): Json | undefined {
  let out: Json | undefined;
  for (const key in object) {
    const value = object[key];
    if (value === null || value === undefined || typed.has(key)) continue;
    out ??= {};
    out[key] = value;
  }
  return out;
}

/**
 * Takes from each chunk what the typed events leave out. A plain content chunk yields nothing,
 * so the common case costs one pass over a handful of keys and no allocation.
 */
export function createOpenAIResidue() {
  const constants: Json = {};
  return (chunk: Json): OpenAIExtra | undefined => {
    let fields: Json | undefined;
    let changed: Json | undefined;
    for (const key in chunk) {
      const value = chunk[key];
      if (value === null || value === undefined || CHUNK_TYPED.has(key)) continue;
      if (CONSTANTS.has(key)) {
        if (constants[key] === value) continue;
        constants[key] = value;
        changed ??= {};
        changed[key] = value;
        continue;
      }
      fields ??= {};
      fields[key] = value;
    }
    let choices: OpenAIExtraChoice[] | undefined;
    const list = chunk.choices;
    if (Array.isArray(list)) {
      for (const choice of list as Json[]) {
        if (choice === null || typeof choice !== 'object') continue;
        const own = rest(choice, CHOICE_TYPED);
        const delta =
          choice.delta && typeof choice.delta === 'object' ? rest(choice.delta as Json, DELTA_TYPED) : undefined;
        if (!own && !delta) continue;
        const extra: OpenAIExtraChoice = { index: typeof choice.index === 'number' ? choice.index : 0 };
        if (own) extra.fields = own;
        if (delta) extra.delta = delta;
        choices ??= [];
        choices.push(extra);
      }
    }
    if (!fields && !changed && !choices) return undefined;
    const extra: OpenAIExtra = { type: 'upstream-extra', dialect: 'openai' };
    if (changed) extra.constants = changed;
    if (fields) extra.fields = fields;
    if (choices) extra.choices = choices;
    return extra;
  };
}
