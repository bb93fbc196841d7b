-- Migration 058: Hit counter curio. A retro visit counter per page.

CREATE TABLE hit_counters (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  page_path TEXT NOT NULL DEFAULT '/' CHECK (substr(page_path, 1, 1) = '/'),
  count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
  style TEXT NOT NULL DEFAULT 'classic' CHECK (style IN ('classic', 'odometer', 'minimal', 'lcd')),
  label TEXT NOT NULL DEFAULT 'You are visitor',
  show_since_date INTEGER NOT NULL DEFAULT 1 CHECK (show_since_date IN (0, 1)),
  started_at INTEGER NOT NULL DEFAULT (unixepoch()),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, page_path)
);
