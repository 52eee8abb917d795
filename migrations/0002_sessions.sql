-- Which sessions a key owns, for GET /v1/sessions. The session's content lives in its Durable Object.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  model TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE INDEX sessions_owner_created ON sessions (owner, created_at DESC, id DESC);
