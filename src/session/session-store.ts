import { GatewayError } from '../errors/gateway-error';
import type { SessionSettings } from './session-settings';
import { createSingletonTable } from './singleton-table';

/**
 * The session's settings: one row, the settings as JSON, so a new setting needs no migration.
 * A session exists once `init` has run; ids are random, so a second `init` is a bug or a replay
 * and is refused rather than silently replacing the owner or model.
 */
export class SessionStore {
  constructor(private readonly sql: SqlStorage) {
    createSingletonTable(sql, 'session_settings', 'settings TEXT');
  }

  init(settings: SessionSettings): void {
    const inserted = this.sql
      .exec(
        'INSERT INTO session_settings (singleton, settings) VALUES (1, ?) ON CONFLICT DO NOTHING RETURNING 1',
        JSON.stringify(settings),
      )
      .toArray();
    if (inserted.length === 0) {
      throw new GatewayError(409, 'invalid_request_error', 'This session already exists.', { code: 'session_exists' });
    }
  }

  get(): SessionSettings | undefined {
    const row = this.sql.exec<{ settings: string }>('SELECT settings FROM session_settings').toArray()[0];
    return row && (JSON.parse(row.settings) as SessionSettings);
  }
}
