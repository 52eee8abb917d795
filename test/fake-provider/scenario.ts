// Scenario language for the fake provider. The gateway forwards `model`
// verbatim, so tests steer the fake upstream through it: `fake;tokens=3;gap=10`.

import { jsonReply } from './json-reply.ts';

export type Scenario = {
  id: string;
  headerDelay: number;
  ttft: number;
  gap: number;
  tokens: number;
  status: number | null;
  failTimes: number | null;
  retryAfter: number | null;
  resetAfter: number | null;
  stallAfter: number | null;
  keepalive: number | null;
  malformedAt: number | null;
  errorFirst: boolean;
  errorAfter: number | null;
  /** An in-band error after the finish (and its usage), in place of the stream's terminator (chat wires). */
  errorAfterFinish: boolean;
  /** The body ends cleanly after this many units, without a finish: a cut the protocol alone shows. */
  truncateAfter: number | null;
  /** A continuation repeats its assistant prefix before going on, as Mistral's does. */
  echo: boolean;
  chunk: number | null;
  noFinish: boolean;
  noUsage: boolean;
  tool: boolean;
  /** An agent loop: a tool call, or, once the last message is the tool's result, an answer quoting it. */
  toolThenAnswer: boolean;
  big: number | null;
  finish: string | null;
  /** Replaces the `tokN` text: streamed `unit` characters at a time. */
  text: string | null;
  /** Replaces the `tokN` text with a JSON object of about this many characters (json-reply.ts). */
  jsonChars: number | null;
  /** `text` this many times over: long replies without a long model string (the gateway bounds `model`). */
  repeat: number;
  unit: number;
  /** When set, only unit `big_at` is padded to `big` chars (one oversized event among normal ones). */
  bigAt: number | null;
  /** OpenAI: the usage chunk is sent twice; Anthropic: message_delta (with its usage) twice. */
  usageTwice: boolean;
  /** Usage without the output count: OpenAI `{prompt_tokens}` only, Anthropic message_delta without `output_tokens`. */
  usagePartial: boolean;
  /** A slow tail: each request, with probability `tailPct` %, waits `tailMs` more before its first token. */
  tailMs: number;
  tailPct: number;
  /** TTFT taken from `POST /_control/speed/<key>` when one is set: a target whose speed a test changes mid-run. */
  speedKey: string | null;
  /** Models a prefix cache: TTFT grows by this many ms per 1000 prompt chars no earlier request of this id covered (prefix-cache.ts). */
  prefixCache: number | null;
  /** Prompt tokens the usage reports as read from the provider's cache (capped at the prompt). */
  cached: number;
  /** Output tokens the usage reports as reasoning (capped at the output; they stay inside it). */
  reasoning: number;
  /** OpenAI usage carries `cost` in USD, this many millionths (OpenRouter prices its requests itself). */
  costMicros: number | null;
  /** Streams `test/fixtures/<replay>.sse` as it is (after ttft), for fidelity tests: every field a real upstream sends. */
  replay: string | null;
};

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; error: string };

export const DEFAULT_SCENARIO: Scenario = {
  id: 'default',
  headerDelay: 0,
  ttft: 0,
  gap: 0,
  tokens: 5,
  status: null,
  failTimes: null,
  retryAfter: null,
  resetAfter: null,
  stallAfter: null,
  keepalive: null,
  malformedAt: null,
  errorFirst: false,
  errorAfter: null,
  errorAfterFinish: false,
  truncateAfter: null,
  echo: false,
  chunk: null,
  noFinish: false,
  noUsage: false,
  tool: false,
  toolThenAnswer: false,
  big: null,
  finish: null,
  text: null,
  jsonChars: null,
  repeat: 1,
  unit: 3,
  bigAt: null,
  usageTwice: false,
  usagePartial: false,
  tailMs: 0,
  tailPct: 0,
  speedKey: null,
  prefixCache: null,
  cached: 0,
  reasoning: 0,
  costMicros: null,
  replay: null,
};

type Kind = 'int' | 'pos' | 'bool' | 'status' | 'id' | 'finish' | 'text' | 'pct' | 'fixture';

const EXPECTED: Record<Kind, string> = {
  int: 'an integer >= 0',
  pos: 'an integer >= 1',
  bool: '0 or 1',
  status: 'an HTTP status 400-599',
  id: '1-128 chars of [A-Za-z0-9_.:-]',
  finish: 'lowercase letters and _',
  text: 'percent-encoded text (encodeURIComponent)',
  pct: 'an integer 0-100',
  fixture: 'a fixture name of [a-z-] (test/fixtures/<name>.sse)',
};

// Maps wire key -> [Scenario field, value kind]. `pos` = integer >= 1.
const KEYS: Record<string, [keyof Scenario, Kind]> = {
  id: ['id', 'id'],
  header_delay: ['headerDelay', 'int'],
  ttft: ['ttft', 'int'],
  gap: ['gap', 'int'],
  tokens: ['tokens', 'int'],
  status: ['status', 'status'],
  fail_times: ['failTimes', 'int'],
  retry_after: ['retryAfter', 'int'],
  reset_after: ['resetAfter', 'int'],
  stall_after: ['stallAfter', 'int'],
  keepalive: ['keepalive', 'pos'],
  malformed_at: ['malformedAt', 'int'],
  error_first: ['errorFirst', 'bool'],
  error_after: ['errorAfter', 'int'],
  error_after_finish: ['errorAfterFinish', 'bool'],
  truncate_after: ['truncateAfter', 'int'],
  echo: ['echo', 'bool'],
  chunk: ['chunk', 'pos'],
  no_finish: ['noFinish', 'bool'],
  no_usage: ['noUsage', 'bool'],
  tool: ['tool', 'bool'],
  tool_then_answer: ['toolThenAnswer', 'bool'],
  big: ['big', 'pos'],
  finish: ['finish', 'finish'],
  text: ['text', 'text'],
  json_chars: ['jsonChars', 'pos'],
  repeat: ['repeat', 'pos'],
  unit: ['unit', 'pos'],
  big_at: ['bigAt', 'int'],
  usage_twice: ['usageTwice', 'bool'],
  usage_partial: ['usagePartial', 'bool'],
  tail_ms: ['tailMs', 'int'],
  tail_pct: ['tailPct', 'pct'],
  speed_key: ['speedKey', 'id'],
  prefix_cache: ['prefixCache', 'int'],
  replay: ['replay', 'fixture'],
  cached: ['cached', 'int'],
  reasoning: ['reasoning', 'int'],
  cost_micros: ['costMicros', 'int'],
};

function convert(kind: Kind, raw: string): string | number | boolean | null {
  switch (kind) {
    case 'int':
    case 'pos':
    case 'pct': {
      if (!/^\d+$/.test(raw)) return null;
      const n = Number(raw);
      return (kind === 'pos' && n < 1) || (kind === 'pct' && n > 100) ? null : n;
    }
    case 'status': {
      const n = /^\d{3}$/.test(raw) ? Number(raw) : 0;
      // Only failures make sense: a "status=200" would silently test nothing.
      return n >= 400 && n <= 599 ? n : null;
    }
    case 'bool':
      return raw === '1' ? true : raw === '0' ? false : null;
    case 'id':
      return /^[A-Za-z0-9_.:-]{1,128}$/.test(raw) ? raw : null;
    case 'finish':
      return /^[a-z_]{1,32}$/.test(raw) ? raw : null;
    case 'fixture':
      return /^[a-z-]{1,64}$/.test(raw) ? raw : null;
    case 'text':
      try {
        return decodeURIComponent(raw);
      } catch {
        return null;
      }
  }
}

/** Anything that is not `fake` / `fake;...` gets the default scenario, so
 * benchmarks can send arbitrary model names. */
export function parseScenario(model: string): ParseResult {
  if (model !== 'fake' && !model.startsWith('fake;')) return { ok: true, scenario: { ...DEFAULT_SCENARIO } };
  const out: Record<string, unknown> = { ...DEFAULT_SCENARIO };
  const seen = new Set<string>();
  for (const part of model.split(';').slice(1)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, error: `scenario part "${part}" is not key=value` };
    const key = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    const spec = KEYS[key];
    if (spec === undefined)
      return { ok: false, error: `unknown scenario key "${key}" (known: ${Object.keys(KEYS).join(', ')})` };
    if (seen.has(key)) return { ok: false, error: `scenario key "${key}" given twice` };
    seen.add(key);
    const value = convert(spec[1], raw);
    if (value === null)
      return { ok: false, error: `invalid value "${raw}" for scenario key "${key}" (expected ${EXPECTED[spec[1]]})` };
    out[spec[0]] = value;
  }
  const s = out as Scenario;
  if (s.failTimes !== null && s.status === null) return { ok: false, error: 'fail_times needs status' };
  if (s.retryAfter !== null && s.status === null) return { ok: false, error: 'retry_after needs status' };
  if (s.bigAt !== null && s.big === null) return { ok: false, error: 'big_at needs big' };
  return { ok: true, scenario: s };
}

/** Builds `fake;k=v;...`; keys are the wire keys (`header_delay`, not `headerDelay`). */
export function scenario(opts: Partial<Record<string, string | number>>): string {
  const parts = ['fake'];
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined) parts.push(`${k}=${k === 'text' ? encodeURIComponent(String(v)) : v}`);
  }
  return parts.join(';');
}

/** The first token's delay for one request: `ttft`, plus the tail when this request draws it. */
export function firstTokenDelay(s: Scenario, random = Math.random): number {
  return s.ttft + (s.tailPct > 0 && random() * 100 < s.tailPct ? s.tailMs : 0);
}

/** Token i's text; `big` pads it to exactly `big` chars (still ends in a space). */
export function tokenText(i: number, big: number | null): string {
  const base = `tok${i} `;
  if (big === null) return base;
  return `${`tok${i}`.padEnd(big - 1, '.').slice(0, big - 1)} `;
}

export const TOOL_NAME = 'get_weather';
export const TOOL_ARGS = '{"city":"Paris"}';
// Several pieces so tests see arguments assembled across deltas.
export const TOOL_ARG_PIECES = ['{"ci', 'ty":', '"Par', 'is"}'];

/** The streamed units: text tokens, or tool-argument pieces when `tool=1`. */
export function contentUnits(s: Scenario): string[] {
  if (s.tool) return [...TOOL_ARG_PIECES];
  if (s.text !== null || s.jsonChars !== null) {
    const text = (s.text ?? jsonReply(s.jsonChars ?? 0)).repeat(s.repeat);
    return Array.from({ length: Math.ceil(text.length / s.unit) }, (_, i) => text.slice(i * s.unit, (i + 1) * s.unit));
  }
  return Array.from({ length: s.tokens }, (_, i) => tokenText(i, s.bigAt === null || s.bigAt === i ? s.big : null));
}

/** Full text a successful text scenario produces (for test assertions). */
export function expectedText(s: Scenario): string {
  return s.tool ? '' : contentUnits(s).join('');
}
