// A provider's prompt prefix cache, modelled so the warm-up benchmark has something to warm.
// The prompt is a list of units: OpenAI, each message; Anthropic, the system prompt's blocks and
// each message's content blocks. A request pays prefill time only for what follows the longest
// prefix an earlier request stored. OpenAI-style caches (OpenAI, vLLM) store every prefix on
// their own; Anthropic stores only prefixes that end at a `cache_control` mark.
import { createHash } from 'node:crypto';
import type { PrefixHit } from './request-log.ts';

export type PromptUnit = { text: string; breakpoint: boolean };

/** Prefixes kept per scenario id: enough for a long session's prompts, bounded for long runs. */
export const PREFIX_CACHE_ENTRIES = 64;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A block as it counts for the prefix: the mark says where to cache, it is not prompt text. */
function blockText(prefix: Record<string, unknown>, block: unknown): PromptUnit {
  if (!isRecord(block)) return { text: JSON.stringify({ ...prefix, text: block }), breakpoint: false };
  const { cache_control, ...rest } = block;
  return { text: JSON.stringify({ ...prefix, ...rest }), breakpoint: cache_control !== undefined };
}

export function promptUnits(kind: 'openai' | 'anthropic', body: Record<string, unknown>): PromptUnit[] {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (kind === 'openai') return messages.map((message) => ({ text: JSON.stringify(message), breakpoint: true }));
  const units: PromptUnit[] = [];
  const system = body.system;
  if (system !== undefined) {
    for (const block of Array.isArray(system) ? system : [system]) units.push(blockText({ role: 'system' }, block));
  }
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const content = Array.isArray(message.content) ? message.content : [message.content];
    for (const block of content) units.push(blockText({ role: message.role }, block));
  }
  return units;
}

/** Each unit's key names the whole prefix up to it: a hash chain, constant memory per prefix. */
function prefixKeys(units: readonly PromptUnit[]): string[] {
  let chain = '';
  return units.map((unit) => {
    chain = createHash('sha256').update(chain).update('\0').update(unit.text).digest('hex');
    return chain;
  });
}

/** Least recently used first: a Set keeps insertion order, and a store re-inserts. */
export class PrefixCache {
  private readonly entries = new Set<string>();
  private readonly capacity: number;

  constructor(capacity = PREFIX_CACHE_ENTRIES) {
    this.capacity = capacity;
  }

  /** How much of `units` the longest stored prefix covers. */
  lookup(units: readonly PromptUnit[]): PrefixHit {
    const keys = prefixKeys(units);
    let total = 0;
    let cachedChars = 0;
    units.forEach((unit, i) => {
      total += unit.text.length;
      if (this.entries.has(keys[i] ?? '')) cachedChars = total;
    });
    return { cachedChars, uncachedChars: total - cachedChars };
  }

  /** Remembers the prompt's cacheable prefixes: called once its prefill is done. */
  store(units: readonly PromptUnit[]): void {
    const keys = prefixKeys(units);
    units.forEach((unit, i) => {
      const key = keys[i];
      if (!unit.breakpoint || key === undefined) return;
      this.entries.delete(key);
      this.entries.add(key);
    });
    for (const key of this.entries) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(key);
    }
  }
}
