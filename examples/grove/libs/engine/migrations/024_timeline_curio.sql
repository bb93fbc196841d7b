-- Migration 024: Timeline curio. Daily AI summaries of the GitHub activity of a tenant.

CREATE TABLE timeline_curio_config (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  github_username TEXT,
  github_token_encrypted TEXT,
  openrouter_key_encrypted TEXT,
  voice_preset TEXT NOT NULL DEFAULT 'professional'
    CHECK (voice_preset IN ('professional', 'quest', 'casual', 'poetic', 'minimal', 'custom')),
  custom_system_prompt TEXT,
  repos_include TEXT,
  repos_exclude TEXT,
  timezone TEXT NOT NULL DEFAULT 'America/New_York',
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_timeline_config_enabled ON timeline_curio_config(tenant_id) WHERE enabled = 1;

CREATE TABLE timeline_summaries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  summary_date TEXT NOT NULL CHECK (summary_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  brief_summary TEXT,
  detailed_timeline TEXT,
  gutter_content TEXT,
  commit_count INTEGER NOT NULL DEFAULT 0 CHECK (commit_count >= 0),
  repos_active TEXT NOT NULL DEFAULT '[]',
  total_additions INTEGER NOT NULL DEFAULT 0,
  total_deletions INTEGER NOT NULL DEFAULT 0,
  ai_model TEXT,
  voice_preset TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, summary_date)
);

CREATE INDEX idx_timeline_summaries_tenant_date ON timeline_summaries(tenant_id, summary_date DESC);
