// The JSON replies the benchmark asks the fake provider for (scenario key `text=`), and the schema
// the structured stage checks them against. Prose values without digits, e-mail addresses or
// blocked phrases, so the guard redacts nothing and every mode must deliver the text unchanged.
import { scenario } from '../../test/fake-provider/scenario.ts';

const WORDS =
  'the river runs past the old mill and under a stone bridge where children watch boats drift slowly toward the harbour at dusk'.split(
    ' ',
  );

function prose(seed, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 3) % WORDS.length]);
  return out.join(' ');
}

/** A JSON object of about `chars` characters: a title, a summary and as many items as fit. */
export function jsonReply(chars) {
  const doc = { title: 'River notes', summary: prose(1, 6), items: [] };
  for (let i = 0; JSON.stringify(doc).length < chars - 60; i++)
    doc.items.push({ name: prose(i + 2, 2), note: prose(i + 3, 6) });
  return JSON.stringify(doc);
}

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

/**
 * A fake-provider model streaming `jsonReply(chars)` `unit` characters per event. The fake echoes
 * the model in every chunk, so the percent-encoded text makes each upstream chunk longer: keep
 * JSON replies short (hundreds of characters), and use token replies for throughput.
 */
export function jsonScenario({ chars, unit, gap, id }) {
  return scenario({ id, text: jsonReply(chars), unit, gap });
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
