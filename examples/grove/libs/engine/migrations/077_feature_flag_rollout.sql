-- Migration 077: Percentage rollouts for feature flags.
-- Adds rollout_percent and turns on JPEG XL encoding for a quarter of uploads.

ALTER TABLE feature_flags ADD COLUMN rollout_percent INTEGER NOT NULL DEFAULT 0
  CHECK (rollout_percent BETWEEN 0 AND 100);

UPDATE feature_flags SET rollout_percent = 100 WHERE enabled = 1;

UPDATE feature_flags
SET enabled = 1, rollout_percent = 25, updated_at = unixepoch()
WHERE id = 'jxl_encoding';
