import { describe, expect, it } from 'vitest';
import { settingsFor } from '../config/settings';
import type { ChatRequest } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import { capForBudget, worstCaseCost } from './worst-case-cost';

const prices = {
  'p/cheap': { input: 1, output: 2 },
  'p/dear': { input: 3, cache_write: 4, output: 10 },
};
const settings = (aliases: Record<string, unknown> = {}, retries = 0) =>
  settingsFor({
    GATEWAY_CONFIG: JSON.stringify({ prices, aliases }),
    BUDGET_DEFAULT_MAX_TOKENS: '100',
    UPSTREAM_MAX_RETRIES: String(retries),
  });
const request = (model: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content: 'héllo' }],
  ...extra,
});
/** The prompt as worst-case-cost counts it: its UTF-8 bytes. */
const promptBytes = new TextEncoder().encode(JSON.stringify([request('x').messages, null])).length;
const daily = { usd: 1, period: 'day' as const };
const usdOf = (worst: ReturnType<typeof worstCaseCost>) => ('usd' in worst ? worst.usd : Number.NaN);

describe('worstCaseCost', () => {
  it('counts each prompt byte as a token at the dearest prompt price, plus max_tokens at output', () => {
    const worst = worstCaseCost(request('p/dear', { max_tokens: 50 }), settings());
    expect(usdOf(worst)).toBeCloseTo((promptBytes * 4 + 50 * 10) / 1e6, 15);
  });

  it('takes the default cap when the request has none', () => {
    expect(usdOf(worstCaseCost(request('p/cheap'), settings()))).toBeCloseTo((promptBytes * 1 + 100 * 2) / 1e6, 15);
  });

  it('an alias costs its dearest target, and every other attempt it may make (retries, fallbacks, hedged legs) its prompt', () => {
    const aliases = {
      plain: { targets: ['p/cheap', 'p/dear'] },
      hedged: { targets: ['p/cheap', 'p/dear'], hedge: { after_ms: 0, max_parallel: 3 } },
    };
    const served = (promptBytes * 4 + 10 * 10) / 1e6;
    const prompt = (promptBytes * 4) / 1e6;
    for (const alias of ['plain', 'hedged']) {
      // Two targets, no retries: one attempt besides the served one, whatever max_parallel says.
      expect(usdOf(worstCaseCost(request(alias, { max_tokens: 10 }), settings(aliases)))).toBeCloseTo(
        served + prompt,
        15,
      );
      // Two targets with two retries each: six attempts, five that may be billed their prompt.
      expect(usdOf(worstCaseCost(request(alias, { max_tokens: 10 }), settings(aliases, 2)))).toBeCloseTo(
        served + 5 * prompt,
        15,
      );
    }
  });

  it('a route that splices adds each continuation: the prompt and the text so far re-read, the cap written again', () => {
    const aliases = {
      spliced: { targets: ['p/cheap', 'p/dear'], resume: { mode: 'splice', max_splices: 2 } },
      off: { targets: ['p/cheap', 'p/dear'], resume: { mode: 'off' } },
    };
    // Per request that reads `read` tokens: the dearest served (4 a prompt token, 10 an output
    // token), and the one other attempt (two targets, no retries) billed what it read.
    const usd = (read: number) => (read * 4 + 10 * 10 + read * 4) / 1e6;
    const worst = (alias: string) => usdOf(worstCaseCost(request(alias, { max_tokens: 10 }), settings(aliases)));
    expect(worst('off')).toBeCloseTo(usd(promptBytes), 15);
    // The first continuation re-reads the prompt and at most 10 tokens, the second at most 20.
    expect(worst('spliced')).toBeCloseTo(usd(promptBytes) + usd(promptBytes + 10) + usd(promptBytes + 20), 15);
  });

  it('names the first target without a price', () => {
    const aliases = { mixed: { targets: ['p/cheap', 'q/unknown'] } };
    expect(worstCaseCost(request('mixed'), settings(aliases))).toEqual({ unpriced: 'q/unknown' });
  });
});

describe('capForBudget', () => {
  it('caps only a request under a budget that sets no cap and pays for output, on a relayed Responses body too', () => {
    const uncapped = request('p/cheap');
    expect(capForBudget(uncapped, null, settings())).toBe(uncapped);
    const capped = request('p/cheap', { max_completion_tokens: 7 });
    expect(capForBudget(capped, daily, settings())).toBe(capped);
    expect(capForBudget(request('sim/fast'), daily, settings())).toEqual(request('sim/fast'));
    const relayed = { ...uncapped, [ORIGIN]: { responses: { input: 'héllo' }, headers: {} } };
    const result = capForBudget(relayed, daily, settings());
    expect(result.max_tokens).toBe(100);
    expect(result[ORIGIN]?.responses).toEqual({ input: 'héllo', max_output_tokens: 100 });
  });
});
