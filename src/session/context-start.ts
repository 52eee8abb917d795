/**
 * The id of the first history message the last turn sent (see fitContext): later turns start
 * from the same message until the budget forces a trim, so the provider's prefix cache matches.
 * Persisted, so a restarted object keeps the same start instead of rebuilding the context.
 */
export class ContextStart {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS context_start (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      message_id INTEGER NOT NULL
    )`);
  }

  get(): number | undefined {
    return this.sql.exec<{ message_id: number }>('SELECT message_id FROM context_start').toArray()[0]?.message_id;
  }

  set(messageId: number): void {
    this.sql.exec(
      'INSERT INTO context_start (singleton, message_id) VALUES (1, ?) ON CONFLICT DO UPDATE SET message_id = excluded.message_id',
      messageId,
    );
  }
}
