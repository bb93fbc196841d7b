-- Migration 016: Content reports for moderation of posts and comments.

CREATE TABLE content_reports (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  post_id TEXT REFERENCES posts(id) ON DELETE SET NULL,
  comment_id TEXT REFERENCES comments(id) ON DELETE SET NULL,
  reporter_id TEXT,
  reason TEXT NOT NULL CHECK (reason IN ('spam', 'harassment', 'hate', 'csam', 'copyright', 'other')),
  details TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reviewing', 'actioned', 'dismissed')),
  resolved_by TEXT,
  resolved_at INTEGER,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  CHECK (post_id IS NOT NULL OR comment_id IS NOT NULL)
);

CREATE INDEX idx_content_reports_open ON content_reports(created_at) WHERE status IN ('open', 'reviewing');
CREATE INDEX idx_content_reports_tenant ON content_reports(tenant_id, status);
