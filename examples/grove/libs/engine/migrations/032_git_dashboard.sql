-- Migration 032: Git dashboard settings for the admin panel (contribution heatmap, languages).

CREATE TABLE git_dashboard_config (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  github_username TEXT,
  show_heatmap INTEGER NOT NULL DEFAULT 1 CHECK (show_heatmap IN (0, 1)),
  show_languages INTEGER NOT NULL DEFAULT 1 CHECK (show_languages IN (0, 1)),
  show_recent_commits INTEGER NOT NULL DEFAULT 1 CHECK (show_recent_commits IN (0, 1)),
  cache_ttl_seconds INTEGER NOT NULL DEFAULT 3600 CHECK (cache_ttl_seconds >= 60),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);
