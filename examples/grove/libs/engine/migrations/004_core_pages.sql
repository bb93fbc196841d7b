-- Migration 004: Static pages (home, about, custom pages) per tenant.

CREATE TABLE pages (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  slug TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT,
  type TEXT NOT NULL DEFAULT 'page' CHECK (type IN ('page', 'home', 'about', 'contact')),
  markdown_content TEXT NOT NULL DEFAULT '',
  html_content TEXT,
  hero TEXT,
  show_in_nav INTEGER NOT NULL DEFAULT 0 CHECK (show_in_nav IN (0, 1)),
  nav_order INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, slug)
);

CREATE INDEX idx_pages_nav ON pages(tenant_id, nav_order) WHERE show_in_nav = 1;
-- Only one home page per tenant.
CREATE UNIQUE INDEX idx_pages_single_home ON pages(tenant_id) WHERE type = 'home';
