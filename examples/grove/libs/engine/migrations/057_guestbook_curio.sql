-- Migration 057: Guestbook curio. Visitors leave short signed messages.

CREATE TABLE guestbook_config (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  style TEXT NOT NULL DEFAULT 'cozy' CHECK (style IN ('cozy', 'classic', 'modern', 'pixel')),
  entries_per_page INTEGER NOT NULL DEFAULT 20 CHECK (entries_per_page BETWEEN 5 AND 100),
  require_approval INTEGER NOT NULL DEFAULT 1 CHECK (require_approval IN (0, 1)),
  allow_emoji INTEGER NOT NULL DEFAULT 1 CHECK (allow_emoji IN (0, 1)),
  max_message_length INTEGER NOT NULL DEFAULT 500 CHECK (max_message_length BETWEEN 50 AND 2000),
  custom_prompt TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE guestbook_entries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT 'Anonymous Wanderer' CHECK (length(name) <= 50),
  message TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 2000),
  emoji TEXT,
  approved INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1)),
  ip_hash TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_guestbook_entries_approved ON guestbook_entries(tenant_id, created_at DESC) WHERE approved = 1;
CREATE INDEX idx_guestbook_entries_pending ON guestbook_entries(tenant_id, created_at) WHERE approved = 0;
CREATE INDEX idx_guestbook_entries_ip ON guestbook_entries(tenant_id, ip_hash, created_at);
