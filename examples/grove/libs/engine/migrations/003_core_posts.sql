-- Migration 003: Blog posts and their revision history.
-- Posts keep the implicit rowid so a full-text index can point at them later.

CREATE TABLE posts (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  slug TEXT NOT NULL CHECK (slug = lower(slug) AND length(slug) > 0),
  title TEXT NOT NULL,
  description TEXT,
  markdown_content TEXT NOT NULL DEFAULT '',
  html_content TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  featured_image TEXT,
  word_count INTEGER NOT NULL DEFAULT 0 CHECK (word_count >= 0),
  reading_time_minutes INTEGER NOT NULL DEFAULT 0,
  published_at INTEGER,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (tenant_id, slug)
);

CREATE INDEX idx_posts_tenant_published ON posts(tenant_id, published_at DESC) WHERE status = 'published';
CREATE INDEX idx_posts_tenant_updated ON posts(tenant_id, updated_at DESC);

CREATE TABLE post_revisions (
  id TEXT PRIMARY KEY,
  post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  revision_number INTEGER NOT NULL CHECK (revision_number > 0),
  title TEXT NOT NULL,
  markdown_content TEXT NOT NULL,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (post_id, revision_number)
);

CREATE INDEX idx_post_revisions_tenant ON post_revisions(tenant_id);
