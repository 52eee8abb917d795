/**
 * Creates (when missing) a table that holds at most one row: the primary key can only be 1, so
 * an insert `ON CONFLICT` updates or keeps that row and no second one can ever appear.
 */
export function createSingletonTable(sql: SqlStorage, table: string, column: string): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    ${column} NOT NULL
  )`);
}
