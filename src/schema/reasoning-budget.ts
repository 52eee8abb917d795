/**
 * OpenAI's `reasoning_effort` and Anthropic's `thinking.budget_tokens` name the same knob in
 * different units. One table, both directions (README, Compatibility). 1024 is Anthropic's
 * smallest budget.
 */
const LOW = 2048;
const MEDIUM = 8192;
export const BUDGET_BY_EFFORT: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: LOW,
  medium: MEDIUM,
  high: 16_384,
  xhigh: 32_768,
};

export const MIN_THINKING_BUDGET = 1024;

/** The effort whose budget is the first at or above `budget`: a budget never shrinks in translation. */
export function effortForBudget(budget: number): string {
  if (budget <= LOW) return 'low';
  if (budget <= MEDIUM) return 'medium';
  return 'high';
}
