import type { OpenAIExtraChoice, UpstreamExtra } from '../stream/events';

export type OpenAIExtra = Extract<UpstreamExtra, { dialect: 'openai' }>;
type Json = Record<string, unknown>;

/**
 * What each chunk key is to the residue. `typed`: carried by the typed events or written by the
 * encoder itself. `obfuscation` pads the upstream chunk's length against a length side channel;
 * the gateway's chunks differ in length anyway (its own id and model), so it is dropped rather
 * than repeated. `constant`: repeated on every chunk, so sent once (and on change) and repeated by
 * the encoder on each of its chunks. A switch, not a Set: this runs for every key of every chunk.
 */
function chunkKey(key: string): 'typed' | 'constant' | 'extra' {
  switch (key) {
    case 'id':
    case 'object':
    case 'created':
    case 'model':
    case 'choices':
    case 'usage':
    case 'obfuscation':
    case 'error':
      return 'typed';
    case 'system_fingerprint':
    case 'service_tier':
      return 'constant';
    default:
      return 'extra';
  }
}

const choiceTyped = (key: string) => key === 'index' || key === 'delta' || key === 'finish_reason';
const deltaTyped = (key: string) =>
  key === 'content' ||
  key === 'role' ||
  key === 'refusal' ||
  key === 'reasoning_content' ||
  key === 'reasoning' ||
  key === 'tool_calls';

/** The fields of `object` that `typed` does not claim; null counts as absent (every SDK reads it so). */
function rest(object: Json, typed: (key: string) => boolean): Json | undefined {
  let out: Json | undefined;
  for (const key in object) {
    const value = object[key];
    if (value === null || value === undefined || typed(key)) continue;
    out ??= {};
    out[key] = value;
  }
  return out;
}

function choiceExtras(list: unknown[]): OpenAIExtraChoice[] | undefined {
  let choices: OpenAIExtraChoice[] | undefined;
  for (const choice of list as Json[]) {
    if (choice === null || typeof choice !== 'object') continue;
    const own = rest(choice, choiceTyped);
    const delta = choice.delta && typeof choice.delta === 'object' ? rest(choice.delta as Json, deltaTyped) : undefined;
    if (!own && !delta) continue;
    const extra: OpenAIExtraChoice = { index: typeof choice.index === 'number' ? choice.index : 0 };
    if (own) extra.fields = own;
    if (delta) extra.delta = delta;
    choices ??= [];
    choices.push(extra);
  }
  return choices;
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
      if (value === null || value === undefined) continue;
      const kind = chunkKey(key);
      if (kind === 'typed') continue;
      if (kind === 'constant') {
        if (constants[key] === value) continue;
        constants[key] = value;
        changed ??= {};
        changed[key] = value;
        continue;
      }
      fields ??= {};
      fields[key] = value;
    }
    const choices = Array.isArray(chunk.choices) ? choiceExtras(chunk.choices) : undefined;
    if (!fields && !changed && !choices) return undefined;
    const extra: OpenAIExtra = { type: 'upstream-extra', dialect: 'openai' };
    if (changed) extra.constants = changed;
    if (fields) extra.fields = fields;
    if (choices) extra.choices = choices;
    return extra;
  };
}
