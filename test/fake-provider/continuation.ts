// Continuing a reply from an assistant prefix, as each real API is switched to it. A continuation
// streams the scenario's reply from where the prefix ends, so the two pieces join exactly, and
// never meets again a fault at or before that point (the fault is what the prefix came from).

type Body = Record<string, unknown>;
type Message = { role?: unknown; content?: unknown; prefix?: unknown };

/** A continuation request's prefix, a request the real API would refuse, or a fresh reply (null). */
export type ContinuationAsk = { prefix: string } | { refuse: string } | null;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (b && typeof b === 'object' && 'text' in b ? String(b.text) : '')).join('');
}

/**
 * OpenAI dialect: DeepSeek and Mistral's `prefix: true` on the last (assistant) message, or vLLM's
 * `continue_final_message` (which refuses `add_generation_prompt` left on). A trailing assistant
 * message without a switch is answered afresh, as OpenAI itself does.
 * Anthropic: any trailing assistant message is a prefill; it may not end in whitespace.
 */
export function continuationAsk(kind: 'openai' | 'anthropic' | 'responses', body: Body): ContinuationAsk {
  const messages = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
  const last = messages.at(-1);
  if (kind === 'responses' || last?.role !== 'assistant') return null;
  const prefix = textOf(last.content);
  if (kind === 'anthropic') {
    if (/\s$/.test(prefix)) return { refuse: 'messages: final assistant content cannot end with trailing whitespace' };
    return { prefix };
  }
  if (body.continue_final_message === true) {
    if (body.add_generation_prompt !== false)
      return { refuse: 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.' };
    return { prefix };
  }
  return last.prefix === true ? { prefix } : null;
}

/** Where a continuation starts: the unit the prefix ends in, and what is left of that unit. */
export type Resumption = { start: number; head: string; prefix: string };

/** The split of `units` after `prefix`, or null when the prefix is not the start of this reply. */
export function resumeAt(units: readonly string[], prefix: string): Resumption | null {
  if (!units.join('').startsWith(prefix)) return null;
  let seen = 0;
  for (let i = 0; i < units.length; i++) {
    const unit = units[i] ?? '';
    if (seen + unit.length > prefix.length) return { start: i, head: unit.slice(prefix.length - seen), prefix };
    seen += unit.length;
  }
  return { start: units.length, head: '', prefix };
}
