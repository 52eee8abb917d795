// The JSON replies the fake provider streams for `json_chars=N` (the benchmark's structured
// scenarios): built here rather than sent in the model string, which the gateway bounds to 256
// characters. Prose values without digits, e-mail addresses or blocked phrases, so the guard
// redacts nothing and every mode must deliver the text unchanged.

const WORDS =
  'the river runs past the old mill and under a stone bridge where children watch boats drift slowly toward the harbour at dusk'.split(
    ' ',
  );

function prose(seed: number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 3) % WORDS.length] as string);
  return out.join(' ');
}

/** A JSON object of about `chars` characters: a title, a summary and as many items as fit. */
export function jsonReply(chars: number): string {
  const doc = { title: 'River notes', summary: prose(1, 6), items: [] as Array<{ name: string; note: string }> };
  for (let i = 0; JSON.stringify(doc).length < chars - 60; i++)
    doc.items.push({ name: prose(i + 2, 2), note: prose(i + 3, 6) });
  return JSON.stringify(doc);
}
