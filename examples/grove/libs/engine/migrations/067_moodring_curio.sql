-- Migration 067: Mood ring curio. A colour swatch that shifts with time, season or manual mood.

CREATE TABLE mood_ring_config (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  mode TEXT NOT NULL DEFAULT 'time' CHECK (mode IN ('time', 'manual', 'seasonal', 'random')),
  manual_mood TEXT,
  manual_color TEXT,
  color_scheme TEXT NOT NULL DEFAULT 'default',
  display_style TEXT NOT NULL DEFAULT 'ring' CHECK (display_style IN ('ring', 'gem', 'orb')),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE mood_ring_log (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  mood TEXT NOT NULL,
  color TEXT NOT NULL,
  note TEXT CHECK (note IS NULL OR length(note) <= 280),
  logged_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_mood_ring_log_tenant ON mood_ring_log(tenant_id, logged_at DESC);
