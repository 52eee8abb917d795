/**
 * The turn being generated, persisted: if the object restarts (deploy, eviction, crash) while it
 * is set, the generation was lost and must be reported as failed rather than vanish.
 */
export class ActiveTurnMarker {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS active_turn (turn_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL)');
  }

  set(turnId: string): void {
    this.sql.exec('DELETE FROM active_turn');
    this.sql.exec('INSERT INTO active_turn (turn_id, started_at) VALUES (?, ?)', turnId, Date.now());
  }

  clear(): void {
    this.sql.exec('DELETE FROM active_turn');
  }

  get(): string | undefined {
    const row = this.sql.exec<{ turn_id: string }>('SELECT turn_id FROM active_turn').toArray()[0];
    return row?.turn_id;
  }
}
