-- Migration 063: Polls curio. Tenants ask questions and visitors vote once.

CREATE TABLE polls (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 300),
  description TEXT,
  poll_type TEXT NOT NULL DEFAULT 'single' CHECK (poll_type IN ('single', 'multiple')),
  options TEXT NOT NULL,
  results_visibility TEXT NOT NULL DEFAULT 'after_vote'
    CHECK (results_visibility IN ('always', 'after_vote', 'after_close', 'admin_only')),
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
  is_pinned INTEGER NOT NULL DEFAULT 0 CHECK (is_pinned IN (0, 1)),
  close_date INTEGER,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_polls_tenant_status ON polls(tenant_id, status, created_at DESC);
CREATE UNIQUE INDEX idx_polls_one_pinned ON polls(tenant_id) WHERE is_pinned = 1;

CREATE TABLE poll_votes (
  id TEXT PRIMARY KEY,
  poll_id TEXT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  voter_hash TEXT NOT NULL,
  selected_options TEXT NOT NULL,
  voted_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (poll_id, voter_hash)
);

CREATE INDEX idx_poll_votes_tenant ON poll_votes(tenant_id);
