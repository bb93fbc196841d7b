-- Migration 070: Link garden curio. Curated link collections (88x31 buttons welcome).

CREATE TABLE link_gardens (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  title TEXT NOT NULL DEFAULT 'Links',
  description TEXT,
  style TEXT NOT NULL DEFAULT 'list' CHECK (style IN ('list', 'grid', 'buttons', 'marquee')),
  sort_order INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_link_gardens_tenant ON link_gardens(tenant_id, sort_order);

CREATE TABLE link_garden_items (
  id TEXT PRIMARY KEY,
  garden_id TEXT NOT NULL REFERENCES link_gardens(id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  url TEXT NOT NULL CHECK (url LIKE 'http%'),
  title TEXT NOT NULL,
  description TEXT,
  favicon_url TEXT,
  button_image_url TEXT,
  category TEXT,
  sort_order INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (garden_id, url)
);

CREATE INDEX idx_link_garden_items_garden ON link_garden_items(garden_id, sort_order);
CREATE INDEX idx_link_garden_items_tenant ON link_garden_items(tenant_id);
