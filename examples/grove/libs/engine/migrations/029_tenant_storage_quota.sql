-- Migration 029: Per-tenant storage quota, backfilled from the current plan.

ALTER TABLE tenants ADD COLUMN storage_quota_bytes INTEGER NOT NULL DEFAULT 1073741824;
ALTER TABLE tenants ADD COLUMN quota_warning_sent_at INTEGER;

UPDATE tenants
SET storage_quota_bytes = CASE plan
    WHEN 'sapling' THEN 5368709120
    WHEN 'oak' THEN 21474836480
    WHEN 'evergreen' THEN 107374182400
    ELSE 1073741824
  END,
  updated_at = unixepoch();
