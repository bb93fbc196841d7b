-- Migration 056: Pulse curio. Live GitHub webhook events and daily rollups per tenant.

CREATE TABLE pulse_events (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  delivery_id TEXT NOT NULL,
  event_type TEXT NOT NULL CHECK (event_type IN ('push', 'pull_request', 'issues', 'release', 'workflow_run', 'star', 'fork')),
  action TEXT,
  repo_name TEXT NOT NULL,
  repo_full_name TEXT NOT NULL,
  actor TEXT,
  title TEXT,
  ref TEXT,
  data TEXT NOT NULL DEFAULT '{}',
  occurred_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, delivery_id)
);

CREATE INDEX idx_pulse_events_tenant_time ON pulse_events(tenant_id, occurred_at DESC);
CREATE INDEX idx_pulse_events_tenant_type ON pulse_events(tenant_id, event_type, occurred_at DESC);

CREATE TABLE pulse_daily_stats (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  date TEXT NOT NULL,
  repo_name TEXT NOT NULL DEFAULT '_all',
  commits INTEGER NOT NULL DEFAULT 0,
  lines_added INTEGER NOT NULL DEFAULT 0,
  lines_removed INTEGER NOT NULL DEFAULT 0,
  prs_opened INTEGER NOT NULL DEFAULT 0,
  prs_merged INTEGER NOT NULL DEFAULT 0,
  issues_opened INTEGER NOT NULL DEFAULT 0,
  issues_closed INTEGER NOT NULL DEFAULT 0,
  releases INTEGER NOT NULL DEFAULT 0,
  ci_runs INTEGER NOT NULL DEFAULT 0,
  ci_failures INTEGER NOT NULL DEFAULT 0 CHECK (ci_failures >= 0),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, date, repo_name)
);

CREATE INDEX idx_pulse_daily_tenant_date ON pulse_daily_stats(tenant_id, date DESC);
