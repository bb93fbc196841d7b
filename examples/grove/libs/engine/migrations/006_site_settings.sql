-- Migration 006: Per-tenant key/value site settings (accent colour, font, footer text).

CREATE TABLE site_settings (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  setting_key TEXT NOT NULL CHECK (length(setting_key) BETWEEN 1 AND 64),
  setting_value TEXT,
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  PRIMARY KEY (tenant_id, setting_key)
);

INSERT INTO site_settings (tenant_id, setting_key, setting_value)
VALUES ('tenant_example', 'accent_color', '#16a34a'),
       ('tenant_example', 'font_family', 'lexend');
