import type { DetectorSpec } from './detector-spec';

/** A token shape: literal text, and runs of one character class as `[class, min, max]`. */
type Part = string | readonly [charClass: string, min: number, max: number];

const B64URL = '[A-Za-z0-9_-]';
const ALNUM = '[A-Za-z0-9]';
// Secrets longer than this have their first 200 characters redacted: the window stays bounded.
const LONGEST = 200;

const SHAPES: ReadonlyArray<readonly Part[]> = [
  // OpenAI (sk-proj-…), Anthropic (sk-ant-api03-…) and the many providers that copied the format.
  ['sk-', [B64URL, 20, LONGEST]],
  // Stripe secret and restricted keys.
  ...['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'].map((prefix): Part[] => [prefix, [ALNUM, 20, LONGEST]]),
  // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
  ['gh', ['[pousr]', 1, 1], '_', [ALNUM, 36, LONGEST]],
  ['github_pat_', ['[A-Za-z0-9_]', 22, LONGEST]],
  ['glpat-', [B64URL, 20, LONGEST]],
  // AWS access key ids, long-lived and temporary.
  ['AKIA', ['[A-Z0-9]', 16, 16]],
  ['ASIA', ['[A-Z0-9]', 16, 16]],
  // Slack bot, user, app and refresh tokens.
  ['xox', ['[abprs]', 1, 1], '-', ['[A-Za-z0-9-]', 10, LONGEST]],
  ['AIza', [B64URL, 35, 35]],
  // JWTs: the base64url JSON header and payload both start with `eyJ` (`{"`); the signature follows.
  ['eyJ', [B64URL, 10, 100], '.eyJ', ['[A-Za-z0-9_.-]', 10, LONGEST]],
  ['Bearer ', ['[A-Za-z0-9._~+/=-]', 20, LONGEST]],
];

const escapeLiteral = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

const run = ([charClass, min, max]: readonly [string, number, number]) => `${charClass}{${min},${max}}`;

const whole = (parts: readonly Part[]) =>
  parts.map((part) => (typeof part === 'string' ? escapeLiteral(part) : run(part))).join('');

/** Any prefix (the empty one too) of a text of this shape: generated, so it cannot drift from `whole`. */
function prefixOf(parts: readonly Part[]): string {
  const [head, ...rest] = parts;
  if (head === undefined) return '';
  const tail = prefixOf(rest);
  if (typeof head !== 'string') return `(?:${run(head)}${tail}|${head[0]}{0,${head[2]}})`;
  let prefix = tail;
  for (let i = head.length - 1; i >= 0; i--) prefix = `(?:${escapeLiteral(head.charAt(i))}${prefix})?`;
  return prefix;
}

const length = (parts: readonly Part[]) =>
  parts.reduce((sum, part) => sum + (typeof part === 'string' ? part.length : part[2]), 0);

// No lookahead: a key is whatever its runs take, so a longer key is cut rather than missed.
const BEFORE = '(?<![A-Za-z0-9_-])';

export const apiKeyDetector: DetectorSpec = {
  find: new RegExp(`${BEFORE}(?:${SHAPES.map(whole).join('|')})`, 'g'),
  partial: new RegExp(`${BEFORE}(?:${SHAPES.map(prefixOf).join('|')})$`, 'g'),
  reach: Math.max(...SHAPES.map(length)),
};
