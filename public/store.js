// @ts-check
/** What survives a reload: the session, the last event id, the reply in flight, recent TTFTs, the API chat uses. */

export const STORE_KEY = 'infe.playground';

/**
 * @typedef {{ turnId: string, text: string, seq: number }} Partial
 * @typedef {{ sessionId?: string, model?: string, warmup?: boolean, lastEventId?: number, partial?: Partial, ttfts?: number[], api?: 'sessions' | 'responses' }} Saved
 */
/** @returns {Saved} */
function load() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY) ?? '{}');
  } catch {
    return {};
  }
}

/** @type {Saved} */
export const saved = load();

/** Takes up the session another tab stored; false when there is none. */
export function joinStoredSession() {
  const stored = load();
  if (!stored.sessionId) return false;
  saved.sessionId = stored.sessionId;
  saved.model = stored.model;
  saved.warmup = stored.warmup;
  return true;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let persistTimer;

export function persist() {
  clearTimeout(persistTimer);
  persistTimer = undefined;
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(saved));
  } catch {
    // Private mode or full storage: the page still works, it just cannot resume.
  }
}

/**
 * While a reply streams, at most every 100 ms: the saved text and event id always belong
 * together, so resuming from an older pair is as exact as from the newest.
 */
export function persistSoon() {
  persistTimer ??= setTimeout(persist, 100);
}

addEventListener('pagehide', persist);
