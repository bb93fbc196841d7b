-- Migration 075: Hit counter v2. Optional unique-visitor counting.
-- Adds a counting mode and display options, plus a table of daily visitor hashes.

ALTER TABLE hit_counters ADD COLUMN count_mode TEXT NOT NULL DEFAULT 'every';
ALTER TABLE hit_counters ADD COLUMN since_date_style TEXT NOT NULL DEFAULT 'footnote';
ALTER TABLE hit_counters ADD COLUMN digit_count INTEGER NOT NULL DEFAULT 6;

CREATE TABLE hit_counter_visitors (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  page_path TEXT NOT NULL,
  visitor_hash TEXT NOT NULL,
  visit_date TEXT NOT NULL,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, page_path, visitor_hash, visit_date)
);

CREATE INDEX idx_hit_counter_visitors_date ON hit_counter_visitors(visit_date);
