import type { ResponseObject } from '../encoders/responses-object';
import type { InputItem } from '../schema/responses-request';

/**
 * Longest `previous_response_id` chain followed. Each link is one indexed row read; a client
 * that chains further starts a new conversation from a summary, as it would past any context window.
 */
export const MAX_CHAIN = 1_000;

/**
 * Stored JSON above this is not kept: SQLite rows in a Durable Object are limited to 2 MB, and
 * a response that cannot be stored whole is better refused (its GET says 404) than cut.
 */
export const MAX_ROW_BYTES = 1_900_000;

/** A stored response as its JSON text: the id routes answer with it as it is, without a parse. */
export interface StoredResponse {
  response: string;
  input: string;
  previousId: string | null;
}

/**
 * One API key's stored responses (`store: true`), in its Responses Durable Object's SQLite
 * storage: each row is one response, the input it was given, and the response it continued.
 */
export class ResponseStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS responses (
      id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, previous_id TEXT, input TEXT NOT NULL, response TEXT NOT NULL)`);
    sql.exec('CREATE TABLE IF NOT EXISTS response_events (id TEXT PRIMARY KEY, frames TEXT NOT NULL)');
  }

  /** A finished background response's stream, for `?stream=true&starting_after=N`; false when too large. */
  putEvents(id: string, frames: readonly string[]): boolean {
    const json = JSON.stringify(frames);
    if (json.length > MAX_ROW_BYTES) return false;
    this.sql.exec('INSERT OR REPLACE INTO response_events (id, frames) VALUES (?, ?)', id, json);
    return true;
  }

  events(id: string): string[] | undefined {
    const row = this.sql.exec<{ frames: string }>('SELECT frames FROM response_events WHERE id = ?', id).toArray()[0];
    return row && (JSON.parse(row.frames) as string[]);
  }

  /** Keeps a finished response; false when it is too large to keep whole. */
  put(response: ResponseObject, input: readonly InputItem[], previousId: string | null, now: number): boolean {
    const inputJson = JSON.stringify(input);
    const responseJson = JSON.stringify(response);
    if (inputJson.length + responseJson.length > MAX_ROW_BYTES) return false;
    this.sql.exec(
      'INSERT OR REPLACE INTO responses (id, created_at, previous_id, input, response) VALUES (?, ?, ?, ?, ?)',
      response.id,
      now,
      previousId,
      inputJson,
      responseJson,
    );
    return true;
  }

  get(id: string): StoredResponse | undefined {
    // Named as the interface names them, so the row is the value.
    return this.sql
      .exec<StoredResponse & Record<string, SqlStorageValue>>(
        'SELECT response, input, previous_id AS previousId FROM responses WHERE id = ?',
        id,
      )
      .toArray()[0];
  }

  delete(id: string): boolean {
    this.sql.exec('DELETE FROM response_events WHERE id = ?', id);
    return this.sql.exec('DELETE FROM responses WHERE id = ?', id).rowsWritten > 0;
  }

  /**
   * The conversation up to and including `id`: every earlier response's input then output,
   * oldest first. Undefined when `id` is not stored; a deleted link ends the chain there.
   */
  context(id: string): InputItem[] | undefined {
    const chain: StoredResponse[] = [];
    let next: string | null = id;
    while (next !== null && chain.length < MAX_CHAIN) {
      const stored = this.get(next);
      if (!stored) break;
      chain.push(stored);
      next = stored.previousId;
    }
    if (chain.length === 0) return undefined;
    return chain.reverse().flatMap((link) => {
      const { output } = JSON.parse(link.response) as ResponseObject;
      return [...(JSON.parse(link.input) as InputItem[]), ...(output as InputItem[])];
    });
  }
}

/**
 * The input as `input_items` lists it: every item with an id, message text as content parts
 * (a string becomes one `input_text`, or `output_text` for an assistant), as OpenAI shows it.
 */
export function storedInput(items: readonly InputItem[], responseId: string): InputItem[] {
  return items.map((item, index): InputItem => {
    const id = item.id ?? `item_${responseId.replace(/^resp_/, '')}_${index}`;
    if (item.type !== 'message' || typeof item.content !== 'string') return { ...item, id } as InputItem;
    const text = item.content;
    if (item.role === 'assistant')
      return { ...item, id, content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
    return { ...item, id, content: [{ type: 'input_text', text }] };
  });
}
