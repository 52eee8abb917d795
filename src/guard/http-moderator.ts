import * as z from 'zod';
import type { ModerationVerdict, Moderator } from './moderator';

export interface HttpModeratorOptions {
  /** The API root, e.g. `https://api.openai.com/v1`: `/moderations` is appended. */
  baseUrl: string;
  apiKey?: string;
  /** Sent as `model` when given (e.g. `omni-moderation-latest`). */
  model?: string;
  /** Per check; the check rejects with a TimeoutError after it. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;

// Only what a verdict needs; the endpoint's other fields (scores, ids) may change freely.
const moderationResponse = z.object({
  results: z
    .array(z.object({ flagged: z.boolean(), categories: z.record(z.string(), z.boolean().nullable()).optional() }))
    .min(1),
});

/** A Moderator over an OpenAI-compatible `POST /moderations` endpoint. */
export function createHttpModerator(options: HttpModeratorOptions): Moderator {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/moderations`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    async check(text, signal) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(options.model ? { input: text, model: options.model } : { input: text }),
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`moderation endpoint answered ${response.status}`);
      }
      const parsed = moderationResponse.safeParse(await response.json());
      if (!parsed.success) throw new Error('moderation endpoint answered an unexpected body');
      const verdict: ModerationVerdict = { flagged: false };
      for (const result of parsed.data.results) {
        if (!result.flagged) continue;
        verdict.flagged = true;
        const category = Object.entries(result.categories ?? {}).find(([, on]) => on)?.[0];
        if (category && !verdict.category) verdict.category = category;
      }
      return verdict;
    },
  };
}
