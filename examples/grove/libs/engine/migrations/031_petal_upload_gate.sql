-- Migration 031: Petal upload gate. Images are scanned before they reach the media library.
-- Records each scan decision and adds a scan status to media.

CREATE TABLE petal_scan_results (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  media_id TEXT REFERENCES media(id) ON DELETE SET NULL,
  content_hash TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('allow', 'block', 'review')),
  categories TEXT NOT NULL DEFAULT '[]',
  confidence REAL CHECK (confidence BETWEEN 0.0 AND 1.0),
  model TEXT,
  scanned_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_petal_scan_hash ON petal_scan_results(content_hash);
CREATE INDEX idx_petal_scan_review ON petal_scan_results(tenant_id, scanned_at) WHERE decision = 'review';

ALTER TABLE media ADD COLUMN petal_status TEXT NOT NULL DEFAULT 'unscanned';
ALTER TABLE media ADD COLUMN petal_scanned_at INTEGER;

CREATE INDEX idx_media_petal_pending ON media(tenant_id) WHERE petal_status = 'unscanned';
