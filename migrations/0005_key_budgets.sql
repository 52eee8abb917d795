-- A key's spending limit in USD per calendar period (UTC), enforced by its limiter object; NULL: none.
ALTER TABLE api_keys ADD COLUMN budget_usd REAL;
-- 'day' or 'month'.
ALTER TABLE api_keys ADD COLUMN budget_period TEXT;
