// The JSON replies the benchmark asks the fake provider for (scenario key `json_chars=`), and the
// schema the structured stage checks them against.
import { jsonReply } from '../../test/fake-provider/json-reply.ts';
import { scenario } from '../../test/fake-provider/scenario.ts';

export { jsonReply };

export const REPLY_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    summary: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, note: { type: 'string' } },
        required: ['name', 'note'],
        additionalProperties: false,
      },
    },
  },
  required: ['title', 'summary', 'items'],
  additionalProperties: false,
};

/** The request fields that switch the structured stage on. */
export const STRUCTURED_REQUEST = {
  response_format: { type: 'json_schema', json_schema: { name: 'river_notes', schema: REPLY_SCHEMA, strict: true } },
};

/** A fake-provider model streaming `jsonReply(chars)` `unit` characters per event. */
export function jsonScenario({ chars, unit, gap, id }) {
  return scenario({ id, json_chars: chars, unit, gap });
}

/**
 * Prose tokenized the way real models stream it: a first word, then one leading-space word per
 * event (every token here is 5 characters, so the fake's fixed `unit` lands on word boundaries).
 * Unlike the fake's default `tokN ` tokens, no event ends with a space, so a stage that waits for
 * a word to end holds each word until the next event arrives.
 */
export const WORD_TOKENS =
  'River runs past that mill near town when boat come home from west each calm dusk with soft blue glow';

export function wordScenario({ gap, id }) {
  return scenario({ id, text: WORD_TOKENS, unit: 5, gap });
}
