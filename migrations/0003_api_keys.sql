-- Gateway keys. Only the SHA-256 of a key is stored; the key itself is shown once, at creation.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  -- JSON array of allowed model patterns (`groq/*`, `sim/default`, an alias); NULL allows all.
  models TEXT,
  rpm INTEGER,
  concurrency INTEGER,
  expires_at INTEGER,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
