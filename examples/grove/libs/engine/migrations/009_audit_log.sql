-- Migration 009: Audit log of administrative actions per tenant.

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  actor_id TEXT,
  actor_email TEXT,
  action TEXT NOT NULL,
  target_type TEXT CHECK (target_type IN ('post', 'page', 'media', 'settings', 'billing', 'domain', 'curio')),
  target_id TEXT,
  details TEXT,
  ip_hash TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_audit_log_tenant_created ON audit_log(tenant_id, created_at DESC);
CREATE INDEX idx_audit_log_target ON audit_log(target_type, target_id) WHERE target_id IS NOT NULL;
