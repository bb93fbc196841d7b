-- Migration 027: Storage exports. A tenant can request a zip of all posts and images.
-- A cron worker builds the archive in R2 and emails a download link.

CREATE TABLE storage_exports (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_email TEXT NOT NULL,
  include_images INTEGER NOT NULL DEFAULT 1 CHECK (include_images IN (0, 1)),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'expired')),
  r2_key TEXT,
  file_size_bytes INTEGER,
  item_counts TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  completed_at INTEGER,
  expires_at INTEGER
);

CREATE INDEX idx_storage_exports_tenant ON storage_exports(tenant_id, created_at DESC);
CREATE INDEX idx_storage_exports_active ON storage_exports(status, created_at) WHERE status IN ('pending', 'processing');
