-- Migration 018: Custom domains pointed at a tenant blog (Oak plan and up).

CREATE TABLE custom_domains (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  domain TEXT NOT NULL UNIQUE CHECK (domain = lower(domain) AND instr(domain, '.') > 0),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verifying', 'active', 'failed')),
  verification_token TEXT NOT NULL,
  is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
  verified_at INTEGER,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_custom_domains_tenant ON custom_domains(tenant_id);
CREATE UNIQUE INDEX idx_custom_domains_one_primary ON custom_domains(tenant_id) WHERE is_primary = 1;
