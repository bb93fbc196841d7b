-- Migration 014: Social layer (Meadow). Readers follow tenants and react to posts.

CREATE TABLE follows (
  id TEXT PRIMARY KEY,
  follower_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  notify_new_posts INTEGER NOT NULL DEFAULT 1 CHECK (notify_new_posts IN (0, 1)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (follower_id, tenant_id)
);

CREATE INDEX idx_follows_tenant ON follows(tenant_id, created_at DESC);

CREATE TABLE post_reactions (
  id TEXT PRIMARY KEY,
  post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  reaction TEXT NOT NULL CHECK (reaction IN ('heart', 'leaf', 'sparkle', 'campfire', 'sprout')),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (post_id, user_id, reaction)
);

CREATE INDEX idx_post_reactions_post ON post_reactions(post_id, reaction);
