-- Migration 056: Add updated_at to storage_exports and allow a cancelled status.
-- SQLite cannot change a CHECK or add a column with a non-constant default, so the table is rebuilt.
-- Safe: no other table references storage_exports.

CREATE TABLE storage_exports_new (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_email TEXT NOT NULL,
  include_images INTEGER NOT NULL DEFAULT 1 CHECK (include_images IN (0, 1)),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'expired', 'cancelled')),
  r2_key TEXT,
  file_size_bytes INTEGER,
  item_counts TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  completed_at INTEGER,
  expires_at INTEGER
);

INSERT INTO storage_exports_new (
  id, tenant_id, user_email, include_images, status, r2_key, file_size_bytes,
  item_counts, error_message, created_at, updated_at, completed_at, expires_at
)
SELECT
  id, tenant_id, user_email, include_images, status, r2_key, file_size_bytes,
  item_counts, error_message, created_at, coalesce(completed_at, created_at), completed_at, expires_at
FROM storage_exports;

DROP TABLE storage_exports;

ALTER TABLE storage_exports_new RENAME TO storage_exports;

CREATE INDEX idx_storage_exports_tenant ON storage_exports(tenant_id, created_at DESC);
CREATE INDEX idx_storage_exports_active ON storage_exports(status, created_at) WHERE status IN ('pending', 'processing');
CREATE INDEX idx_storage_exports_expires ON storage_exports(expires_at) WHERE status = 'completed';
