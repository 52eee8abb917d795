import { createSingletonTable } from './singleton-table';

/**
 * The id of the first history message the last turn sent (see fitContext): later turns start
 * from the same message until the budget forces a trim, so the provider's prefix cache matches.
 * Persisted, so a restarted object keeps the same start instead of rebuilding the context.
 */
export class ContextStart {
  constructor(private readonly sql: SqlStorage) {
    createSingletonTable(sql, 'context_start', 'message_id INTEGER');
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
