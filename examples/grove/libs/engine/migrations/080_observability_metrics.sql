-- Migration 080: Vista observability. Time-series metrics written by vista-collector every 5 minutes.
-- Health checks, per-service Cloudflare stats, daily cost estimates and alerting. 90-day retention.

CREATE TABLE observability_metrics (
  id INTEGER PRIMARY KEY,
  service_name TEXT NOT NULL,
  metric_type TEXT NOT NULL,
  value REAL NOT NULL,
  unit TEXT,
  metadata TEXT,
  recorded_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_obs_metrics_service_type_time ON observability_metrics(service_name, metric_type, recorded_at DESC);
CREATE INDEX idx_obs_metrics_recorded ON observability_metrics(recorded_at);

CREATE TABLE observability_health_checks (
  id INTEGER PRIMARY KEY,
  service_name TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  status_code INTEGER,
  response_time_ms INTEGER CHECK (response_time_ms IS NULL OR response_time_ms >= 0),
  is_healthy INTEGER NOT NULL CHECK (is_healthy IN (0, 1)),
  error_message TEXT,
  checked_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_obs_health_service_time ON observability_health_checks(service_name, checked_at DESC);
CREATE INDEX idx_obs_health_failures ON observability_health_checks(checked_at) WHERE is_healthy = 0;

CREATE TABLE observability_d1_stats (
  id INTEGER PRIMARY KEY,
  database_name TEXT NOT NULL,
  database_id TEXT NOT NULL,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  rows_read INTEGER NOT NULL DEFAULT 0,
  rows_written INTEGER NOT NULL DEFAULT 0,
  query_count INTEGER NOT NULL DEFAULT 0,
  recorded_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_obs_d1_db_time ON observability_d1_stats(database_name, recorded_at DESC);

CREATE TABLE observability_r2_stats (
  id INTEGER PRIMARY KEY,
  bucket_name TEXT NOT NULL,
  object_count INTEGER NOT NULL DEFAULT 0,
  payload_size_bytes INTEGER NOT NULL DEFAULT 0,
  metadata_size_bytes INTEGER NOT NULL DEFAULT 0,
  class_a_operations INTEGER NOT NULL DEFAULT 0,
  class_b_operations INTEGER NOT NULL DEFAULT 0,
  recorded_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_obs_r2_bucket_time ON observability_r2_stats(bucket_name, recorded_at DESC);

CREATE TABLE observability_kv_stats (
  id INTEGER PRIMARY KEY,
  namespace_name TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  reads INTEGER NOT NULL DEFAULT 0,
  writes INTEGER NOT NULL DEFAULT 0,
  deletes INTEGER NOT NULL DEFAULT 0,
  lists INTEGER NOT NULL DEFAULT 0,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  recorded_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_obs_kv_namespace_time ON observability_kv_stats(namespace_name, recorded_at DESC);

CREATE TABLE observability_do_stats (
  id INTEGER PRIMARY KEY,
  class_name TEXT NOT NULL,
  script_name TEXT NOT NULL,
  active_count INTEGER NOT NULL DEFAULT 0,
  requests INTEGER NOT NULL DEFAULT 0,
  duration_gb_seconds REAL NOT NULL DEFAULT 0.0,
  storage_bytes INTEGER NOT NULL DEFAULT 0,
  recorded_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_obs_do_class_time ON observability_do_stats(class_name, recorded_at DESC);

CREATE TABLE observability_daily_costs (
  id TEXT PRIMARY KEY,
  date TEXT NOT NULL,
  service_name TEXT NOT NULL,
  resource_type TEXT NOT NULL CHECK (resource_type IN ('workers', 'd1', 'r2', 'kv', 'do', 'ai', 'other')),
  usage_amount REAL NOT NULL DEFAULT 0.0,
  estimated_cost_usd REAL NOT NULL DEFAULT 0.0 CHECK (estimated_cost_usd >= 0),
  pricing_version TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (date, service_name, resource_type)
);

CREATE INDEX idx_obs_daily_costs_date ON observability_daily_costs(date DESC);

CREATE TABLE observability_alert_thresholds (
  id TEXT PRIMARY KEY,
  service_name TEXT NOT NULL,
  metric_type TEXT NOT NULL,
  warning_value REAL,
  critical_value REAL,
  direction TEXT NOT NULL DEFAULT 'above' CHECK (direction IN ('above', 'below')),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  UNIQUE (service_name, metric_type),
  CHECK (warning_value IS NOT NULL OR critical_value IS NOT NULL)
);

CREATE TABLE observability_alerts (
  id TEXT PRIMARY KEY,
  threshold_id TEXT REFERENCES observability_alert_thresholds(id) ON DELETE SET NULL,
  service_name TEXT NOT NULL,
  alert_type TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title TEXT NOT NULL,
  message TEXT,
  metric_value REAL,
  threshold_value REAL,
  triggered_at INTEGER NOT NULL DEFAULT (unixepoch()),
  acknowledged_at INTEGER,
  resolved_at INTEGER
);

CREATE INDEX idx_obs_alerts_open ON observability_alerts(severity, triggered_at DESC) WHERE resolved_at IS NULL;
CREATE INDEX idx_obs_alerts_threshold ON observability_alerts(threshold_id);

CREATE TABLE observability_collection_log (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL DEFAULT (unixepoch()),
  completed_at INTEGER,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'success', 'partial', 'failed')),
  collectors_run TEXT NOT NULL DEFAULT '[]',
  errors TEXT,
  duration_ms INTEGER
);

CREATE INDEX idx_obs_collection_log_started ON observability_collection_log(started_at DESC);

INSERT INTO observability_alert_thresholds (id, service_name, metric_type, warning_value, critical_value, direction)
VALUES
  ('thr_engine_error_rate', 'grove-engine', 'error_rate', 0.02, 0.05, 'above'),
  ('thr_engine_p95', 'grove-engine', 'p95_latency_ms', 800, 2000, 'above'),
  ('thr_d1_size', 'grove-engine-db', 'size_bytes', 4000000000, 9000000000, 'above');
