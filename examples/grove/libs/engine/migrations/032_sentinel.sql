-- Migration 032: Sentinel load testing. Runs exercise real application tables,
-- recording per-operation metrics, periodic checkpoints, baselines and schedules.

CREATE TABLE sentinel_runs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  profile_type TEXT NOT NULL
    CHECK (profile_type IN ('smoke', 'spike', 'sustained', 'oscillation', 'ramp', 'custom')),
  target_operations INTEGER NOT NULL CHECK (target_operations > 0),
  duration_seconds INTEGER NOT NULL CHECK (duration_seconds > 0),
  concurrency INTEGER NOT NULL DEFAULT 10 CHECK (concurrency BETWEEN 1 AND 500),
  target_systems TEXT NOT NULL DEFAULT '["d1"]',
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  triggered_by TEXT NOT NULL DEFAULT 'manual' CHECK (triggered_by IN ('manual', 'scheduled', 'ci')),
  started_at INTEGER,
  completed_at INTEGER,
  total_operations INTEGER NOT NULL DEFAULT 0,
  failed_operations INTEGER NOT NULL DEFAULT 0,
  p50_latency_ms REAL,
  p95_latency_ms REAL,
  p99_latency_ms REAL,
  throughput_per_second REAL,
  error_rate REAL CHECK (error_rate IS NULL OR error_rate BETWEEN 0.0 AND 1.0),
  results_json TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_sentinel_runs_status ON sentinel_runs(status, created_at DESC);
CREATE INDEX idx_sentinel_runs_tenant ON sentinel_runs(tenant_id) WHERE tenant_id IS NOT NULL;

CREATE TABLE sentinel_metrics (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES sentinel_runs(id) ON DELETE CASCADE,
  operation_type TEXT NOT NULL CHECK (operation_type IN ('read', 'write', 'delete', 'list', 'query')),
  target_system TEXT NOT NULL CHECK (target_system IN ('d1', 'kv', 'r2', 'do')),
  batch_index INTEGER NOT NULL DEFAULT 0,
  latency_ms REAL NOT NULL CHECK (latency_ms >= 0),
  success INTEGER NOT NULL CHECK (success IN (0, 1)),
  error_code TEXT,
  recorded_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_sentinel_metrics_run ON sentinel_metrics(run_id, recorded_at);
CREATE INDEX idx_sentinel_metrics_errors ON sentinel_metrics(run_id, error_code) WHERE success = 0;

CREATE TABLE sentinel_checkpoints (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES sentinel_runs(id) ON DELETE CASCADE,
  checkpoint_index INTEGER NOT NULL CHECK (checkpoint_index >= 0),
  elapsed_seconds INTEGER NOT NULL,
  operations_completed INTEGER NOT NULL DEFAULT 0,
  current_throughput REAL,
  current_error_rate REAL,
  p95_latency_ms REAL,
  d1_reads INTEGER NOT NULL DEFAULT 0,
  d1_writes INTEGER NOT NULL DEFAULT 0,
  recorded_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (run_id, checkpoint_index)
);

CREATE TABLE sentinel_baselines (
  id TEXT PRIMARY KEY,
  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
  run_id TEXT REFERENCES sentinel_runs(id) ON DELETE SET NULL,
  profile_type TEXT NOT NULL,
  baseline_throughput REAL NOT NULL,
  baseline_p95_ms REAL NOT NULL,
  baseline_error_rate REAL NOT NULL DEFAULT 0.0,
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  established_at INTEGER NOT NULL DEFAULT (unixepoch())
);

-- One active baseline per (tenant or platform, profile).
CREATE UNIQUE INDEX idx_sentinel_baselines_active
  ON sentinel_baselines(coalesce(tenant_id, ''), profile_type) WHERE is_active = 1;
CREATE INDEX idx_sentinel_baselines_run ON sentinel_baselines(run_id);

CREATE TABLE sentinel_schedules (
  id TEXT PRIMARY KEY,
  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  profile_type TEXT NOT NULL,
  cron_expression TEXT NOT NULL,
  config_json TEXT NOT NULL DEFAULT '{}',
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  last_run_id TEXT REFERENCES sentinel_runs(id) ON DELETE SET NULL,
  last_run_at INTEGER,
  next_run_at INTEGER,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_sentinel_schedules_due ON sentinel_schedules(next_run_at) WHERE enabled = 1;
CREATE INDEX idx_sentinel_schedules_last_run ON sentinel_schedules(last_run_id);

CREATE TABLE sentinel_test_data (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES sentinel_runs(id) ON DELETE CASCADE,
  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
  data_type TEXT NOT NULL CHECK (data_type IN ('post', 'page', 'session', 'media', 'kv_key', 'r2_object')),
  target_table TEXT,
  target_id TEXT NOT NULL,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  cleaned_up_at INTEGER
);

CREATE INDEX idx_sentinel_test_data_run ON sentinel_test_data(run_id);
CREATE INDEX idx_sentinel_test_data_pending_cleanup ON sentinel_test_data(created_at) WHERE cleaned_up_at IS NULL;
