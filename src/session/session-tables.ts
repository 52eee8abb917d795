import { ActiveTurnMarker } from './active-turn';
import { ContextStart } from './context-start';
import { History } from './history';
import { ReplayLog } from './replay-log';
import { SessionStore } from './session-store';

/** The modules over one session object's SQLite tables, each taking the storage as an argument. */
export interface SessionTables {
  store: SessionStore;
  history: History;
  log: ReplayLog;
  marker: ActiveTurnMarker;
  contextStart: ContextStart;
}

/** Opens (creating when missing) every table of a session; again after a delete dropped them. */
export function openTables(sql: SqlStorage): SessionTables {
  return {
    store: new SessionStore(sql),
    history: new History(sql),
    log: new ReplayLog(sql),
    marker: new ActiveTurnMarker(sql),
    contextStart: new ContextStart(sql),
  };
}
