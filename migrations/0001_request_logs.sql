-- One row per gateway request, written in batches by the log queue consumer.
CREATE TABLE request_logs (
  request_id TEXT PRIMARY KEY,
  ts INTEGER NOT NULL,
  key_id TEXT,
  route TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  outcome TEXT NOT NULL,
  status INTEGER NOT NULL,
  upstream_ttft_ms INTEGER,
  duration_ms INTEGER NOT NULL,
  record TEXT NOT NULL
);

-- Every filter of GET /v1/logs pages newest first within its own index.
CREATE INDEX request_logs_ts ON request_logs (ts DESC, request_id DESC);
CREATE INDEX request_logs_model_ts ON request_logs (model, ts DESC);
CREATE INDEX request_logs_outcome_ts ON request_logs (outcome, ts DESC);
CREATE INDEX request_logs_key_ts ON request_logs (key_id, ts DESC);
