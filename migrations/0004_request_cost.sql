-- What each request consumed and cost, as columns GET /v1/usage sums (the record keeps the detail).
-- cost_usd is NULL when a model the request used has no price (cost_unpriced = 1) or nothing was consumed.
ALTER TABLE request_logs ADD COLUMN input_tokens INTEGER;
ALTER TABLE request_logs ADD COLUMN output_tokens INTEGER;
ALTER TABLE request_logs ADD COLUMN cost_usd REAL;
ALTER TABLE request_logs ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_logs ADD COLUMN cost_unpriced INTEGER NOT NULL DEFAULT 0;

-- Rows written before this migration: the same values from their records.
UPDATE request_logs SET
  input_tokens = json_extract(record, '$.tokens.input'),
  output_tokens = json_extract(record, '$.tokens.output'),
  cost_usd = json_extract(record, '$.cost.usd'),
  cost_estimated = coalesce(json_extract(record, '$.cost.estimated'), 0),
  cost_unpriced = json_extract(record, '$.cost.unpriced') IS NOT NULL;
