-- Migration 008: Platform feature flags with a few starting flags.

CREATE TABLE feature_flags (
  id TEXT PRIMARY KEY CHECK (id = lower(id)),
  name TEXT NOT NULL,
  description TEXT,
  flag_type TEXT NOT NULL DEFAULT 'boolean'
    CHECK (flag_type IN ('boolean', 'percentage', 'tier', 'tenant')),
  default_value TEXT NOT NULL DEFAULT 'false',
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_feature_flags_enabled ON feature_flags(id) WHERE enabled = 1;

INSERT INTO feature_flags (id, name, description, flag_type, default_value, enabled)
VALUES
  ('meadow_social', 'Meadow social feed', 'Cross-tenant reading feed', 'boolean', 'false', 0),
  ('jxl_encoding', 'JPEG XL encoding', 'Encode uploads as JPEG XL where supported', 'percentage', 'false', 0),
  ('fireside_mode', 'Fireside writing mode', 'Guided conversational drafting', 'tier', 'false', 1),
  ('shop_ecommerce', 'Shop', 'Tenant storefronts (Pantry)', 'boolean', 'false', 0);
