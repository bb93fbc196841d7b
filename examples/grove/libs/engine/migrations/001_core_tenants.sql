-- Migration 001: Core tenants table.
-- Every blog on Grove is a tenant addressed by its subdomain (example.grove.place).

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  subdomain TEXT NOT NULL UNIQUE
    CHECK (subdomain = lower(subdomain) AND length(subdomain) BETWEEN 2 AND 30),
  display_name TEXT NOT NULL,
  email TEXT NOT NULL,
  plan TEXT NOT NULL DEFAULT 'seedling'
    CHECK (plan IN ('free', 'seedling', 'sapling', 'oak', 'evergreen')),
  theme TEXT NOT NULL DEFAULT 'default',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  post_count INTEGER NOT NULL DEFAULT 0 CHECK (post_count >= 0),
  storage_used_bytes INTEGER NOT NULL DEFAULT 0 CHECK (storage_used_bytes >= 0),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_tenants_email ON tenants(email);
CREATE INDEX idx_tenants_active_plan ON tenants(plan) WHERE active = 1;

-- Example tenant used by local development and the docs.
INSERT INTO tenants (id, subdomain, display_name, email, plan)
VALUES ('tenant_example', 'example', 'The Example Grove', 'hello@example.com', 'seedling');
