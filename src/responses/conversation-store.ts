import type { InputItem } from '../schema/responses-request';

/** Items one conversation keeps; past it, appends are refused rather than silently trimmed. */
export const MAX_CONVERSATION_ITEMS = 10_000;

export interface ConversationResource {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

interface ConversationRow extends Record<string, SqlStorageValue> {
  id: string;
  created_at: number;
  metadata: string;
}

interface ItemRow extends Record<string, SqlStorageValue> {
  item: string;
}

const toResource = (row: ConversationRow): ConversationResource => ({
  id: row.id,
  object: 'conversation',
  created_at: row.created_at,
  metadata: JSON.parse(row.metadata) as Record<string, string>,
});

/**
 * One API key's conversations (`/v1/conversations`, the `conversation` parameter), beside its
 * stored responses in the same Durable Object: a conversation is its items in order, each input
 * and output item of every response made in it.
 */
export class ConversationStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS conversations (
      id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, metadata TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS conversation_items (
      conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, item TEXT NOT NULL,
      PRIMARY KEY (conversation_id, seq))`);
  }

  create(id: string, metadata: Record<string, string>, items: readonly InputItem[], now: number): ConversationResource {
    this.sql.exec(
      'INSERT INTO conversations (id, created_at, metadata) VALUES (?, ?, ?)',
      id,
      now,
      JSON.stringify(metadata),
    );
    this.append(id, items);
    return { id, object: 'conversation', created_at: now, metadata };
  }

  get(id: string): ConversationResource | undefined {
    const row = this.sql.exec<ConversationRow>('SELECT * FROM conversations WHERE id = ?', id).toArray()[0];
    return row && toResource(row);
  }

  update(id: string, metadata: Record<string, string>): ConversationResource | undefined {
    this.sql.exec('UPDATE conversations SET metadata = ? WHERE id = ?', JSON.stringify(metadata), id);
    return this.get(id);
  }

  delete(id: string): boolean {
    this.sql.exec('DELETE FROM conversation_items WHERE conversation_id = ?', id);
    return this.sql.exec('DELETE FROM conversations WHERE id = ?', id).rowsWritten > 0;
  }

  /** Adds items at the end; false when the conversation does not exist or would grow past its cap. */
  append(id: string, items: readonly InputItem[]): boolean {
    if (!this.get(id)) return false;
    const { count, last } = this.sql
      .exec<{ count: number; last: number | null }>(
        'SELECT COUNT(*) AS count, MAX(seq) AS last FROM conversation_items WHERE conversation_id = ?',
        id,
      )
      .one();
    if (count + items.length > MAX_CONVERSATION_ITEMS) return false;
    let seq = (last ?? -1) + 1;
    for (const item of items) {
      this.sql.exec(
        'INSERT INTO conversation_items (conversation_id, seq, id, item) VALUES (?, ?, ?, ?)',
        id,
        seq++,
        item.id ?? '',
        JSON.stringify(item),
      );
    }
    return true;
  }

  /** Every item, oldest first; undefined when the conversation does not exist. */
  items(id: string): InputItem[] | undefined {
    if (!this.get(id)) return undefined;
    return this.sql
      .exec<ItemRow>('SELECT item FROM conversation_items WHERE conversation_id = ? ORDER BY seq', id)
      .toArray()
      .map((row) => JSON.parse(row.item) as InputItem);
  }

  deleteItem(id: string, itemId: string): boolean {
    return (
      this.sql.exec('DELETE FROM conversation_items WHERE conversation_id = ? AND id = ?', id, itemId).rowsWritten > 0
    );
  }
}
