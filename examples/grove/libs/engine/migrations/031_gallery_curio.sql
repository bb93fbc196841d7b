-- Migration 031: Gallery curio. Image galleries built from R2 objects with tags.

CREATE TABLE gallery_curio_config (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  r2_public_url TEXT,
  gallery_title TEXT,
  gallery_description TEXT,
  items_per_page INTEGER NOT NULL DEFAULT 30 CHECK (items_per_page BETWEEN 1 AND 200),
  sort_order TEXT NOT NULL DEFAULT 'date-desc'
    CHECK (sort_order IN ('date-desc', 'date-asc', 'title-asc', 'title-desc', 'custom')),
  grid_style TEXT NOT NULL DEFAULT 'masonry' CHECK (grid_style IN ('masonry', 'grid', 'mood')),
  show_descriptions INTEGER NOT NULL DEFAULT 1 CHECK (show_descriptions IN (0, 1)),
  enable_lightbox INTEGER NOT NULL DEFAULT 1 CHECK (enable_lightbox IN (0, 1)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE gallery_images (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  r2_key TEXT NOT NULL,
  parsed_date TEXT,
  parsed_category TEXT,
  custom_title TEXT,
  custom_description TEXT,
  alt_text TEXT,
  width INTEGER,
  height INTEGER,
  file_size INTEGER,
  is_featured INTEGER NOT NULL DEFAULT 0 CHECK (is_featured IN (0, 1)),
  sort_index INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, r2_key)
);

CREATE INDEX idx_gallery_images_tenant_date ON gallery_images(tenant_id, parsed_date DESC);
CREATE INDEX idx_gallery_images_featured ON gallery_images(tenant_id, sort_index) WHERE is_featured = 1;

CREATE TABLE gallery_tags (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  color TEXT CHECK (color IS NULL OR (length(color) = 7 AND color GLOB '#*' AND substr(color, 2) NOT GLOB '*[^0-9a-fA-F]*')),
  sort_order INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, slug)
);

CREATE TABLE gallery_image_tags (
  image_id TEXT NOT NULL REFERENCES gallery_images(id) ON DELETE CASCADE,
  tag_id TEXT NOT NULL REFERENCES gallery_tags(id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  PRIMARY KEY (image_id, tag_id)
);

CREATE INDEX idx_gallery_image_tags_tag ON gallery_image_tags(tag_id);
CREATE INDEX idx_gallery_image_tags_tenant ON gallery_image_tags(tenant_id);
