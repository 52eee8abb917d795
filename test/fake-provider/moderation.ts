// OpenAI-style `POST /v1/moderations` for the moderation stage's tests. Any input containing
// "forbidden" (any case) is flagged as `illicit`. Markers inside the input steer the reply:
// `[[delay=MS]]` answers after MS milliseconds, `[[status=CODE]]` fails with that HTTP status.
import { setTimeout as sleep } from 'node:timers/promises';

export type ModerationReply = { status: number; body: string };

const CATEGORIES = ['harassment', 'hate', 'illicit', 'self-harm', 'sexual', 'violence'];

export async function moderationReply(raw: string): Promise<ModerationReply> {
  let input: unknown;
  try {
    input = (JSON.parse(raw) as { input?: unknown }).input;
  } catch {
    return { status: 400, body: JSON.stringify({ error: { message: 'fake-provider: body is not JSON' } }) };
  }
  const inputs = typeof input === 'string' ? [input] : Array.isArray(input) ? input : null;
  if (inputs === null || !inputs.every((item): item is string => typeof item === 'string'))
    return { status: 400, body: JSON.stringify({ error: { message: 'fake-provider: `input` must be text' } }) };

  const all = inputs.join('\n');
  const delay = /\[\[delay=(\d+)\]\]/.exec(all);
  if (delay?.[1] !== undefined) await sleep(Number(delay[1]));
  const status = /\[\[status=(\d{3})\]\]/.exec(all);
  if (status?.[1] !== undefined)
    return { status: Number(status[1]), body: JSON.stringify({ error: { message: 'fake-provider: status marker' } }) };

  const results = inputs.map((text) => {
    const flagged = /forbidden/i.test(text);
    const categories = Object.fromEntries(CATEGORIES.map((name) => [name, flagged && name === 'illicit']));
    return { flagged, categories, category_scores: Object.fromEntries(CATEGORIES.map((name) => [name, 0])) };
  });
  return { status: 200, body: JSON.stringify({ id: 'modr-fake', model: 'omni-moderation-latest', results }) };
}
