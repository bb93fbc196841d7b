#!/usr/bin/env python3
"""Generate a synthetic SvelteKit + Workers monorepo for benchmarking the code audit.

The tree is deterministic for a given (--files, --seed, --tables) and is shaped like the bundled
example (examples/grove):

* `libs/engine` (about 40 % of the files), a few `apps/*` (SvelteKit) and `workers/*`, each with
  a `wrangler.toml` or `wrangler.jsonc` declaring its D1 bindings (`DB` -> grove-engine-db,
  `OBS_DB` -> grove-observability-db; the split has not happened, so no `CURIO_DB`);
  the engine also has `svelte.config.js` (kit.alias `$curios`) and a JSONC `tsconfig.json`
  (paths `@grove/db/*`);
* about 70 % of the source files hold 1-4 D1 call sites (a `.prepare()`, or one statement of a
  `.batch([...])`), reached through every binding form of the example: `platform?.env?.DB`,
  `const db = platform?.env?.DB`, `const { DB } = platform.env`, `locals.db ?? platform.env.DB`,
  `platform!.env.DB`, `event.platform?.env?.DB`, `env.DB`, `const { DB } = env`, `c.env.DB`
  (Hono), `this.env.DB` (Durable Object), and helpers that take the binding (or `env`) as a
  parameter, imported through `$lib/...`, `$curios/...`, `@grove/db/...` and relative paths;
* the other files are plain TypeScript, `.svelte` components (which never reach D1) and a few
  `*.test.ts` files (excluded by `[code].exclude`).

The SQL uses the tables of a catalog (a built-in list of about 60 Grove tables, or `--tables`),
so every static statement is valid against the migrations written next to it. A few statements
are template literals whose `${...}` stands for a column-free fragment (`IN (${placeholders})`,
`unixepoch() - ${WINDOW_SECONDS}`), and about 3 % are built at run time (unresolved SQL).
Usage:

    python benchmarks/generate_code_tree.py --files 2000 --out /tmp/code-2k
    # -> /tmp/code-2k/ownership.toml, libs/engine/migrations/*.sql, libs/, apps/, workers/

`--tables FILE` reads a catalog with one table per line: `[database:] name(column, column, ...)`,
where database is engine (the default), curios or obs (the default for `observability_*`);
`#` starts a comment.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

DEFAULT_FILES = 2000
MIN_FILES = 50  # below this the packages cannot all get their share
DYNAMIC_SHARE = 0.03  # call sites whose SQL is built at run time
FOCUS_SHARE = 0.7  # statements of a module about the table it is named after
DEFAULT_SEED = 20240601
MIGRATIONS_DIR = "libs/engine/migrations"

# The databases of the split (database-consolidation-architecture.md): key -> (name, binding).
DATABASES = {
    "engine": ("grove-engine-db", "DB"),
    "curios": ("grove-curios-db", "CURIO_DB"),
    "obs": ("grove-observability-db", "OBS_DB"),
}
# Before the split the curio tables still live in grove-engine-db, reached through DB.
BINDING_REACHES = {"DB": ("engine", "curios"), "OBS_DB": ("obs",)}

BUILTIN_TABLES = """
engine: tenants(id, subdomain, display_name, email, plan, theme, active, post_count, storage_used_bytes,
    storage_quota_bytes, created_at, updated_at)
engine: users(id, email, name, is_admin, last_login_at, created_at, updated_at)
engine: sessions(id, user_id, expires_at, user_agent, ip_hash, created_at)
engine: magic_codes(id, email, code, attempts, expires_at, used_at, created_at)
engine: posts(id, tenant_id, slug, title, description, markdown_content, html_content, tags, status,
    featured_image, word_count, reading_time_minutes, published_at, created_at, updated_at)
engine: post_revisions(id, post_id, tenant_id, revision_number, title, markdown_content, created_at)
engine: pages(id, tenant_id, slug, title, description, type, markdown_content, html_content, show_in_nav,
    nav_order, created_at, updated_at)
engine: media(id, tenant_id, r2_key, filename, mime_type, size_bytes, width, height, alt_text, petal_status,
    created_at)
engine: site_settings(id, tenant_id, setting_key, setting_value, updated_at)
engine: platform_billing(id, tenant_id, plan, billing_cycle, status, provider, provider_customer_id,
    provider_subscription_id, current_period_end, created_at, updated_at)
engine: webhook_events(id, provider, provider_event_id, event_type, payload, processed, retry_count,
    created_at, processed_at)
engine: feature_flags(id, name, description, flag_type, default_value, enabled, rollout_percent, created_at,
    updated_at)
engine: audit_log(id, tenant_id, actor_id, actor_email, action, target_type, target_id, details, created_at)
engine: comments(id, tenant_id, post_id, parent_id, author_name, author_email, content, status, created_at,
    updated_at)
engine: user_onboarding(id, groveauth_id, email, display_name, username, plan_selected, tenant_id,
    tour_completed, created_at, updated_at)
engine: follows(id, follower_id, tenant_id, notify_new_posts, created_at)
engine: post_reactions(id, post_id, tenant_id, user_id, reaction, created_at)
engine: content_reports(id, tenant_id, post_id, comment_id, reporter_id, reason, details, status, resolved_at,
    created_at)
engine: custom_domains(id, tenant_id, domain, status, verification_token, is_primary, verified_at, created_at,
    updated_at)
engine: storage_exports(id, tenant_id, user_email, include_images, status, r2_key, file_size_bytes,
    error_message, created_at, updated_at, completed_at)
engine: petal_scan_results(id, tenant_id, media_id, content_hash, decision, confidence, model, scanned_at)
engine: git_dashboard_config(id, tenant_id, enabled, github_username, show_heatmap, cache_ttl_seconds,
    created_at, updated_at)
engine: sentinel_runs(id, tenant_id, name, profile_type, status, target_operations, started_at, completed_at,
    p95_latency_ms, error_rate, created_at, updated_at)
engine: sentinel_metrics(id, run_id, operation_type, target_system, latency_ms, success, error_code,
    recorded_at)
curios: timeline_curio_config(id, tenant_id, enabled, github_username, voice_preset, timezone, created_at,
    updated_at)
curios: timeline_summaries(id, tenant_id, summary_date, brief_summary, commit_count, total_additions,
    total_deletions, ai_model, created_at)
curios: timeline_activity(id, tenant_id, activity_date, repo_name, commit_count, created_at)
curios: journey_curio_config(id, tenant_id, enabled, repo_url, snapshot_frequency, created_at, updated_at)
curios: journey_snapshots(id, tenant_id, snapshot_date, total_lines, language_breakdown, commit_hash,
    created_at)
curios: gallery_curio_config(id, tenant_id, enabled, gallery_title, items_per_page, sort_order, grid_style,
    created_at, updated_at)
curios: gallery_images(id, tenant_id, r2_key, custom_title, alt_text, parsed_date, is_featured, sort_index,
    created_at, updated_at)
curios: gallery_tags(id, tenant_id, name, slug, color, sort_order, created_at)
curios: gallery_image_tags(id, image_id, tag_id, tenant_id, created_at)
curios: gallery_collections(id, tenant_id, name, slug, description, created_at)
curios: pulse_curio_config(id, tenant_id, enabled, show_heatmap, timezone, created_at, updated_at)
curios: pulse_events(id, tenant_id, delivery_id, event_type, action, repo_name, actor, title, occurred_at,
    created_at)
curios: pulse_daily_stats(id, tenant_id, date, repo_name, commits, lines_added, lines_removed, prs_merged,
    updated_at)
curios: guestbook_config(id, tenant_id, enabled, style, entries_per_page, require_approval, created_at,
    updated_at)
curios: guestbook_entries(id, tenant_id, name, message, emoji, approved, ip_hash, created_at)
curios: hit_counters(id, tenant_id, page_path, count, style, label, count_mode, started_at, created_at,
    updated_at)
curios: hit_counter_visitors(id, tenant_id, page_path, visitor_hash, visit_date, created_at)
curios: link_gardens(id, tenant_id, title, description, style, sort_order, created_at, updated_at)
curios: link_garden_items(id, garden_id, tenant_id, url, title, description, sort_order, added_at)
curios: polls(id, tenant_id, question, poll_type, options, status, is_pinned, close_date, created_at,
    updated_at)
curios: poll_votes(id, poll_id, tenant_id, voter_hash, selected_options, voted_at)
curios: mood_ring_config(id, tenant_id, enabled, mode, manual_mood, display_style, created_at, updated_at)
curios: mood_ring_log(id, tenant_id, mood, color, note, logged_at)
curios: nowplaying_config(id, tenant_id, enabled, provider, display_style, created_at, updated_at)
curios: nowplaying_history(id, tenant_id, track_name, artist, album, played_at)
curios: bookmark_shelves(id, tenant_id, name, description, sort_order, created_at)
curios: bookmarks(id, shelf_id, tenant_id, url, title, note, created_at)
curios: badge_definitions(id, name, description, icon_url, created_at)
curios: tenant_badges(id, tenant_id, badge_id, awarded_at)
obs: observability_metrics(id, service_name, metric_type, value, unit, recorded_at)
obs: observability_health_checks(id, service_name, endpoint, status_code, response_time_ms, is_healthy,
    error_message, checked_at)
obs: observability_d1_stats(id, database_name, size_bytes, rows_read, rows_written, query_count, recorded_at)
obs: observability_r2_stats(id, bucket_name, object_count, payload_size_bytes, recorded_at)
obs: observability_daily_costs(id, date, service_name, resource_type, usage_amount, estimated_cost_usd,
    created_at)
obs: observability_alert_thresholds(id, service_name, metric_type, warning_value, critical_value, direction,
    enabled, created_at, updated_at)
obs: observability_alerts(id, threshold_id, service_name, severity, title, message, triggered_at, resolved_at)
obs: observability_collection_log(id, started_at, completed_at, status, errors, duration_ms)
"""

# A column named like a key points at that table (when the catalog has it, in the same database).
FOREIGN_KEYS = {
    "user_id": "users",
    "post_id": "posts",
    "comment_id": "comments",
    "media_id": "media",
    "run_id": "sentinel_runs",
    "image_id": "gallery_images",
    "tag_id": "gallery_tags",
    "garden_id": "link_gardens",
    "poll_id": "polls",
    "shelf_id": "bookmark_shelves",
    "badge_id": "badge_definitions",
    "threshold_id": "observability_alert_thresholds",
}
_INTEGER_NAMES = frozenset(
    "active enabled approved processed success attempts width height count commits lines_added "
    "lines_removed prs_merged total_lines total_additions total_deletions nav_order sort_index "
    "revision_number items_per_page entries_per_page object_count rows_read rows_written query_count "
    "status_code retry_count target_operations".split()
)
_INTEGER_SUFFIXES = tuple("_at _count _bytes _ms _seconds _minutes _percent _operations".split())
_INTEGER_PREFIXES = tuple("is_ show_ require_ include_ notify_ tour_".split())
_REAL_NAMES = frozenset(
    "value confidence error_rate usage_amount estimated_cost_usd warning_value critical_value".split()
)
_TIME_COLUMNS = tuple(
    "created_at recorded_at occurred_at logged_at checked_at triggered_at started_at scanned_at voted_at "
    "added_at played_at awarded_at updated_at".split()
)

APP_NAMES = tuple("landing plant meadow ivy domains clearing forest hearth".split())
WORKER_NAMES = tuple(
    "pulse vista-collector timeline-sync warden backup-runner zephyr-mailer forage-search amber-storage "
    "webhook-relay sitemap-builder petal-scanner export-packer".split()
)
_ROUTE_WORDS = tuple(
    "posts pages media settings curios gallery timeline guestbook polls pulse links moods billing domains "
    "reports feed export search stats badges bookmarks journey vista health alerts flags users sessions".split()
)
_PLAIN_TOPICS = tuple(
    "format slug dates markdown colors validation cookies headers pagination csv retry hash i18n seo "
    "images cache-keys feature-gates errors".split()
)
_LINE_WIDTH = 88


# --- the catalog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str
    database: str  # engine | curios | obs
    columns: tuple[str, ...]

    @property
    def scoped(self) -> bool:
        """Rows belong to one tenant (`WHERE tenant_id = ?`)."""
        return "tenant_id" in self.columns and self.name != "tenants"

    @property
    def has_id(self) -> bool:
        return "id" in self.columns

    @property
    def time_column(self) -> str | None:
        return next((column for column in _TIME_COLUMNS if column in self.columns), None)

    @property
    def data_columns(self) -> tuple[str, ...]:
        """The columns a write may set (neither keys nor timestamps)."""
        skip = {"id", "tenant_id", "created_at", "updated_at"}
        return tuple(column for column in self.columns if column not in skip)


def _is_identifier(text: str) -> bool:
    return bool(text) and not text[0].isdigit() and all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in text)


def parse_tables(text: str) -> list[Table]:
    """One table per line (continued on the next lines until its `)`):
    `[database:] name(column, column, ...)`; `#` starts a comment."""
    tables: list[Table] = []
    entries: list[tuple[int, str]] = []  # an entry may continue on the next lines until its `)`
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if entries and "(" in entries[-1][1] and ")" not in entries[-1][1]:
            entries[-1] = (entries[-1][0], entries[-1][1] + " " + line)
        else:
            entries.append((number, line))
    for number, line in entries:
        raw = line
        head, paren, rest = line.partition("(")
        database = ""
        if ":" in head:
            database, head = (part.strip() for part in head.split(":", 1))
        name = head.strip().lower()
        columns = tuple(column.strip().lower() for column in rest.rstrip(") ").split(",") if column.strip())
        if not paren or not _is_identifier(name) or not columns or not all(map(_is_identifier, columns)):
            raise ValueError(f"line {number}: expected `[database:] name(column, ...)`, got {raw.strip()!r}")
        if not database:
            database = "obs" if name.startswith("observability_") else "engine"
        if database not in DATABASES:
            raise ValueError(f"line {number}: unknown database {database!r} (engine, curios or obs)")
        if len(set(columns)) != len(columns):
            raise ValueError(f"line {number}: {name} repeats a column")
        tables.append(Table(name, database, columns))
    if len({table.name for table in tables}) != len(tables):
        raise ValueError("the catalog names a table twice")
    for binding, databases in BINDING_REACHES.items():
        if not any(table.database in databases for table in tables):
            raise ValueError(f"the catalog needs at least one table reached through {binding} ({', '.join(databases)})")
    return tables


def _column_type(column: str) -> str:
    if column in _REAL_NAMES:
        return "REAL"
    if column in _INTEGER_NAMES or column.endswith(_INTEGER_SUFFIXES) or column.startswith(_INTEGER_PREFIXES):
        return "INTEGER"
    return "TEXT"


def create_table_sql(table: Table, earlier: set[str]) -> str:
    """The CREATE TABLE; keys point only at tables created before it (`earlier`)."""
    lines = []
    for column in table.columns:
        kind = _column_type(column)
        if column == "id":
            lines.append("id TEXT PRIMARY KEY")
        elif column == "tenant_id" and table.name != "tenants" and "tenants" in earlier:
            lines.append("tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE")
        elif column in FOREIGN_KEYS and FOREIGN_KEYS[column] in earlier:
            lines.append(f"{column} TEXT REFERENCES {FOREIGN_KEYS[column]}(id) ON DELETE CASCADE")
        elif column in ("created_at", "updated_at"):
            lines.append(f"{column} INTEGER NOT NULL DEFAULT (unixepoch())")
        else:
            lines.append(f"{column} {kind}")
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {table.name} (\n  {body}\n);\n"


# --- SQL ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One statement: its clauses (joined by spaces, or by new lines in a template literal), the
    kinds of its arguments (tenant, id, limit, cutoff, ids, value:<column>) and how it ends."""

    clauses: tuple[str, ...]
    args: tuple[str, ...]
    terminal: str  # first | all | run
    template: bool = False  # a template literal with a column-free ${...}

    @property
    def sql(self) -> str:
        return " ".join(self.clauses)

    @property
    def writes(self) -> bool:
        return self.terminal == "run"


class SqlMaker:
    """Statements over the tables a binding reaches (never joining two databases of the split)."""

    def __init__(self, rng: random.Random, tables: Sequence[Table]) -> None:
        self.rng = rng
        self.tables = {table.name: table for table in tables}
        self.by_binding = {
            binding: [table for table in tables if table.database in databases]
            for binding, databases in BINDING_REACHES.items()
        }

    def table(self, binding: str, focus: Table | None = None) -> Table:
        """A table `binding` reaches: mostly `focus` (a module's own table) when it is one."""
        if focus is not None and focus in self.by_binding[binding] and self.rng.random() < FOCUS_SHARE:
            return focus
        return self.rng.choice(self.by_binding[binding])

    def _columns(self, table: Table, low: int = 2, high: int = 5, alias: str = "") -> list[str]:
        others = [column for column in table.columns if column != "id"]
        picked = sorted(self.rng.sample(others, min(len(others), self.rng.randint(low, high))), key=table.columns.index)
        columns = (["id"] if table.has_id else []) + picked
        return [alias + column for column in columns]

    def _scope(self, table: Table, alias: str = "") -> tuple[str, tuple[str, ...]]:
        """The WHERE of a tenant's rows (empty for a table without tenants)."""
        if table.scoped:
            return f"WHERE {alias}tenant_id = ?", ("tenant",)
        if table.name == "tenants":
            return f"WHERE {alias}id = ?", ("tenant",)
        return "", ()

    def _by_id(self, table: Table) -> tuple[str, tuple[str, ...]]:
        """The WHERE of one row (of the tenant's rows, when the table has tenants)."""
        if table.name == "tenants":
            return "WHERE id = ?", ("tenant",)
        if table.scoped:
            return "WHERE tenant_id = ? AND id = ?", ("tenant", "id")
        return "WHERE id = ?", ("id",)

    def read(self, binding: str, focus: Table | None = None) -> Statement:
        table = self.table(binding, focus)
        roll = self.rng.random()
        if roll < 0.12:
            joined = self._join(table)
            if joined is not None:
                return joined
        if roll < 0.22 and table.has_id:
            return self._in_list(table)
        if roll < 0.30 and table.time_column is not None:
            return self._window(table)
        if roll < 0.45:
            where, args = self._scope(table)
            return Statement(
                (f"SELECT COUNT(*) AS n FROM {table.name}", where)
                if where
                else (f"SELECT COUNT(*) AS n FROM {table.name}",),
                args,
                "first",
            )
        if roll < 0.70 and table.has_id:
            where, args = self._by_id(table)
            return Statement((f"SELECT {', '.join(self._columns(table))}", f"FROM {table.name}", where), args, "first")
        where, args = self._scope(table)
        clauses = [f"SELECT {', '.join(self._columns(table))}", f"FROM {table.name}"]
        if where:
            clauses.append(where)
        if table.time_column is not None:
            clauses.append(f"ORDER BY {table.time_column} DESC")
        clauses.append("LIMIT ?")
        return Statement(tuple(clauses), (*args, "limit"), "all")

    def _join(self, child: Table) -> Statement | None:
        keys = [
            column
            for column in child.columns
            if column in FOREIGN_KEYS
            and FOREIGN_KEYS[column] in self.tables
            and FOREIGN_KEYS[column] != child.name
            and self.tables[FOREIGN_KEYS[column]].has_id
            and self.tables[FOREIGN_KEYS[column]].database == child.database
        ]
        tenants = self.tables.get("tenants")
        if not keys and child.scoped and tenants is not None and tenants.has_id and tenants.database == child.database:
            keys = ["tenant_id"]
        if not keys:
            return None
        key = self.rng.choice(keys)
        parent = self.tables["tenants" if key == "tenant_id" else FOREIGN_KEYS[key]]
        columns = self._columns(child, 1, 3, "c.") + self._columns(parent, 1, 2, "p.")[1:] or ["c." + child.columns[0]]
        where, args = self._scope(child, "c.")
        clauses = [
            f"SELECT {', '.join(columns)}",
            f"FROM {child.name} AS c",
            f"JOIN {parent.name} AS p ON p.id = c.{key}",
        ]
        if where:
            clauses.append(where)
        if child.time_column is not None:
            clauses.append(f"ORDER BY c.{child.time_column} DESC")
        clauses.append("LIMIT ?")
        return Statement(tuple(clauses), (*args, "limit"), "all")

    def _in_list(self, table: Table) -> Statement:
        where, args = self._scope(table)
        where = f"{where} AND id IN (${{placeholders}})" if where else "WHERE id IN (${placeholders})"
        return Statement(
            (f"SELECT {', '.join(self._columns(table))}", f"FROM {table.name}", where), (*args, "ids"), "all", True
        )

    def _window(self, table: Table) -> Statement:
        where, args = self._scope(table)
        window = f"{table.time_column} > unixepoch() - ${{WINDOW_SECONDS}}"
        where = f"{where} AND {window}" if where else f"WHERE {window}"
        clauses = (
            f"SELECT {', '.join(self._columns(table))}",
            f"FROM {table.name}",
            where,
            f"ORDER BY {table.time_column} DESC",
        )
        return Statement(clauses, args, "all", True)

    def write(self, binding: str, focus: Table | None = None) -> Statement:
        table = self.table(binding, focus)
        data = list(table.data_columns)
        roll = self.rng.random()
        if (roll < 0.45 or not table.has_id) and data:
            columns = sorted(self.rng.sample(data, min(len(data), self.rng.randint(1, 4))), key=table.columns.index)
            keys = (["id"] if table.has_id else []) + (["tenant_id"] if table.scoped else [])
            key_args = (["id"] if table.has_id else []) + (["tenant"] if table.scoped else [])
            all_columns = keys + columns
            marks = ", ".join("?" for _ in all_columns)
            clauses = [f"INSERT INTO {table.name} ({', '.join(all_columns)})", f"VALUES ({marks})"]
            if table.has_id and roll < 0.12:
                updates = ", ".join(f"{column} = excluded.{column}" for column in columns)
                clauses.append(f"ON CONFLICT (id) DO UPDATE SET {updates}")
            return Statement(tuple(clauses), (*key_args, *(f"value:{column}" for column in columns)), "run")
        if roll < 0.80 and data and table.has_id:
            columns = sorted(self.rng.sample(data, min(len(data), self.rng.randint(1, 3))), key=table.columns.index)
            sets = [f"{column} = ?" for column in columns]
            if "updated_at" in table.columns:
                sets.append("updated_at = unixepoch()")
            where, args = self._by_id(table)
            return Statement(
                (f"UPDATE {table.name}", f"SET {', '.join(sets)}", where),
                (*(f"value:{column}" for column in columns), *args),
                "run",
            )
        return self.retention(binding, table)

    def retention(self, binding: str, table: Table | None = None) -> Statement:
        """A DELETE by age (by id when the table has no time column)."""
        candidates = [table] if table is not None else [t for t in self.by_binding[binding] if t.time_column]
        chosen = self.rng.choice(candidates or self.by_binding[binding])
        if chosen.time_column is not None:
            return Statement((f"DELETE FROM {chosen.name}", f"WHERE {chosen.time_column} < ?"), ("cutoff",), "run")
        where, args = self._by_id(chosen)
        return Statement((f"DELETE FROM {chosen.name}", where), args, "run")

    def sortable(self, binding: str) -> tuple[Table, list[str]]:
        table = self.table(binding)
        columns = [column for column in table.columns if column not in ("id", "tenant_id")][:4] or list(table.columns)
        return table, columns


# --- TypeScript ---------------------------------------------------------------------------------


@dataclass
class Context:
    """How the arguments of a statement are spelled where the call is written."""

    tenant: str
    id: str
    limit: str
    values: str
    sort: str
    setup: dict[str, str] = field(default_factory=dict)  # kind -> the line that defines its variable

    def arg(self, kind: str) -> str:
        if kind == "tenant":
            return self.tenant
        if kind == "id":
            return self.id
        if kind == "limit":
            return self.limit
        if kind == "cutoff":
            return "cutoff"
        if kind == "ids":
            return "...ids"
        return f"{self.values}.{kind.removeprefix('value:')} ?? null"


@dataclass(frozen=True)
class Helper:
    """An exported function that receives the binding (or `env`) as its first parameter."""

    name: str
    module: PurePosixPath  # the file, relative to the package
    binding: str
    takes_env: bool = False


@dataclass
class Package:
    path: PurePosixPath
    kind: str  # engine | app | worker
    bindings: tuple[str, ...]
    quota: int
    helpers: list[Helper] = field(default_factory=list)
    uncalled: list[Helper] = field(default_factory=list)  # helpers no file calls yet

    def take_helper(self, rng: random.Random, binding: str) -> Helper | None:
        """A helper of `binding` for a caller: one nobody calls yet when there is one."""
        for helper in self.uncalled:
            if helper.binding == binding:
                self.uncalled.remove(helper)
                return helper
        candidates = [helper for helper in self.helpers if helper.binding == binding]
        return rng.choice(candidates) if candidates else None


@dataclass
class Stats:
    files: Counter[str] = field(default_factory=Counter)  # kind -> source files
    sites: int = 0
    d1_files: int = 0
    forms: Counter[str] = field(default_factory=Counter)  # binding form -> call sites
    passes: Counter[str] = field(default_factory=Counter)  # what a caller passes to a helper -> calls
    unresolved: int = 0
    templates: int = 0
    configs: int = 0


def _camel(*words: str) -> str:
    parts = [part for word in words for part in word.replace("-", "_").split("_") if part]
    return parts[0].lower() + "".join(part.capitalize() for part in parts[1:])


def _pascal(*words: str) -> str:
    name = _camel(*words)
    return name[:1].upper() + name[1:]


def _quote_sql(statement: Statement, indent: str) -> str:
    if statement.template or len(statement.sql) > _LINE_WIDTH - len(indent) - 12:
        joiner = "\n" + indent + "\t "
        return "`" + joiner.join(statement.clauses) + "`"
    return "'" + statement.sql + "'"


class TreeWriter:
    def __init__(self, out: Path, files: int, seed: int, tables: Sequence[Table]) -> None:
        self.out = out
        self.total = files
        self.rng = random.Random(seed)
        self.tables = list(tables)
        self.sql = SqlMaker(self.rng, self.tables)
        self.stats = Stats()
        self.result = 0  # numbering of result variables within a function

    # files --------------------------------------------------------------------------------------

    def write(self, relative: PurePosixPath | str, text: str, kind: str | None) -> None:
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if kind is None:
            self.stats.configs += 1
        else:
            self.stats.files[kind] += 1

    # call sites ---------------------------------------------------------------------------------

    def _result(self) -> str:
        self.result += 1
        return f"r{self.result}"

    def _setups(self, statements: Sequence[Statement], ctx: Context, indent: str) -> list[str]:
        needed = {kind for statement in statements for kind in statement.args}
        lines = [indent + ctx.setup[kind] for kind in ("cutoff", "ids") if kind in needed and kind in ctx.setup]
        if "ids" in needed:
            lines.append(indent + "const placeholders = ids.map(() => '?').join(', ');")
        return lines

    def call(self, receiver: str, statement: Statement, ctx: Context, indent: str, form: str) -> tuple[list[str], str]:
        """`const rN = await receiver.prepare(sql).bind(...).first();` and the name rN."""
        name = self._result()
        lines = [f"{indent}const {name} = await {receiver}", f"{indent}\t.prepare({_quote_sql(statement, indent)})"]
        args = ", ".join(ctx.arg(kind) for kind in statement.args)
        if args:
            lines.append(f"{indent}\t.bind({args})")
        catch = ".catch(() => null)" if not statement.writes and self.rng.random() < 0.15 else ""
        lines.append(f"{indent}\t.{statement.terminal}(){catch};")
        self._count(1, form, statement)
        return lines, name

    def batch(
        self, receiver: str, statements: Sequence[Statement], ctx: Context, indent: str, form: str
    ) -> tuple[list[str], str]:
        name = self._result()
        lines = [f"{indent}const {name} = await {receiver}.batch(["]
        for statement in statements:
            args = ", ".join(ctx.arg(kind) for kind in statement.args)
            bind = f".bind({args})" if args else ""
            lines.append(f"{indent}\t{receiver}.prepare({_quote_sql(statement, indent + chr(9))}){bind},")
        lines.append(f"{indent}]);")
        for statement in statements:
            self._count(1, form, statement)
        return lines, name

    def dynamic(self, receiver: str, binding: str, ctx: Context, indent: str, form: str) -> tuple[list[str], str]:
        """SQL built at run time: the audit sees the call but not the statement."""
        table, columns = self.sql.sortable(binding)
        name = self._result()
        where, args = self.sql._scope(table)
        base = f"SELECT {', '.join(self.sql._columns(table))} FROM {table.name}" + (f" {where}" if where else "")
        sorts = ", ".join(f"{column}: '{column}'" for column in columns)
        lines = [
            f"{indent}const sort{name.upper()}: Record<string, string> = {{ {sorts} }};",
            f"{indent}let sql{name.upper()} = '{base}';",
            f"{indent}sql{name.upper()} += ' ORDER BY ' + (sort{name.upper()}[{ctx.sort} ?? '']"
            f" ?? '{columns[0]}') + ' DESC LIMIT 50';",
        ]
        bind = ", ".join(ctx.arg(kind) for kind in args)
        bound = f".bind({bind})" if bind else ""
        lines.append(f"{indent}const {name} = await {receiver}.prepare(sql{name.upper()}){bound}.all();")
        self.stats.sites += 1
        self.stats.unresolved += 1
        self.stats.forms[form] += 1
        return lines, name

    def _count(self, sites: int, form: str, statement: Statement) -> None:
        self.stats.sites += sites
        self.stats.forms[form] += sites
        self.stats.templates += statement.template

    def _site_count(self) -> int:
        return self.rng.choices((1, 2, 3, 4), weights=(35, 30, 20, 15))[0]

    def body(
        self,
        receiver: str,
        binding: str,
        ctx: Context,
        indent: str,
        form: str,
        sites: int,
        *,
        writes: bool | None,
        batch_ok: bool,
        focus: Table | None = None,
    ) -> tuple[list[str], list[str]]:
        """Lines that make `sites` call sites, and the names of their results."""
        lines: list[str] = []
        names: list[str] = []
        left = sites
        while left > 0:
            roll = self.rng.random()
            if roll < DYNAMIC_SHARE:
                more, name = self.dynamic(receiver, binding, ctx, indent, form)
                left -= 1
            elif batch_ok and left >= 2 and roll < 0.2:
                size = min(left, self.rng.randint(2, 3))
                statements = [self._statement(binding, writes, focus) for _ in range(size)]
                lines += self._setups(statements, ctx, indent)
                more, name = self.batch(receiver, statements, ctx, indent, form)
                left -= size
            else:
                statement = self._statement(binding, writes, focus)
                lines += self._setups([statement], ctx, indent)
                more, name = self.call(receiver, statement, ctx, indent, form)
                left -= 1
            lines += more
            names.append(name)
        return lines, names

    def _statement(self, binding: str, writes: bool | None, focus: Table | None) -> Statement:
        if writes is None:
            writes = self.rng.random() < 0.3
        return self.sql.write(binding, focus) if writes else self.sql.read(binding, focus)

    # packages -----------------------------------------------------------------------------------

    def packages(self) -> list[Package]:
        apps = max(1, self.total // 400)
        workers = max(2, self.total // 250)
        engine_quota = max(8, round(self.total * 0.40))
        app_quota = round(self.total * 0.35)
        packages = [Package(PurePosixPath("libs/engine"), "engine", ("DB", "OBS_DB"), engine_quota)]
        for index in range(apps):
            name = APP_NAMES[index] if index < len(APP_NAMES) else f"app-{index + 1:02d}"
            bindings = ("DB", "OBS_DB") if index == 0 else ("DB",)
            packages.append(Package(PurePosixPath("apps") / name, "app", bindings, max(6, app_quota // apps)))
        left = self.total - sum(package.quota for package in packages)
        for index in range(workers):
            name = WORKER_NAMES[index] if index < len(WORKER_NAMES) else f"worker-{index + 1:02d}"
            bindings = ("OBS_DB",) if name == "vista-collector" else ("DB", "OBS_DB") if index % 4 == 3 else ("DB",)
            quota = left // (workers - index)
            left -= quota
            packages.append(Package(PurePosixPath("workers") / name, "worker", bindings, quota))
        return [package for package in packages if package.quota > 0]

    def generate(self) -> Stats:
        for package in self.packages():
            if package.kind == "worker":
                self.worker(package)
            else:
                self.sveltekit(package)
        self.migrations()
        self.ownership()
        return self.stats

    # configs ------------------------------------------------------------------------------------

    def _database_id(self) -> str:
        digits = f"{self.rng.getrandbits(128):032x}"
        return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:]}"

    def wrangler(
        self, package: Package, main: str, *, durable_objects: Sequence[str] = (), staging: bool = False
    ) -> None:
        name = "grove-" + package.path.name
        entries = [(binding, DATABASES["obs" if binding == "OBS_DB" else "engine"][0]) for binding in package.bindings]
        use_jsonc = package.kind == "worker" and self.rng.random() < 0.4
        if use_jsonc:
            config: dict[str, object] = {"name": name, "main": main, "compatibility_date": "2025-01-15"}
            text = json.dumps(config, indent="\t")[:-2] + ",\n"
            text = "// " + name + ": generated for the code-audit benchmark.\n" + text
            text += '\t"triggers": { "crons": ["*/15 * * * *"] }, // the scheduled handler\n'
            text += '\t/* D1 databases this worker reaches. */\n\t"d1_databases": [\n'
            for binding, database in entries:
                entry = {"binding": binding, "database_name": database, "database_id": self._database_id()}
                text += "\t\t" + json.dumps(entry).replace("{", "{ ").replace("}", " }") + ",\n"
            text += "\t],\n"
            if durable_objects:
                classes = ", ".join(
                    f'{{ "name": "{_camel(c).upper()}", "class_name": "{c}" }}' for c in durable_objects
                )
                text += f'\t"durable_objects": {{ "bindings": [{classes}] }},\n'
                text += (
                    f'\t"migrations": [{{ "tag": "v1", "new_sqlite_classes": {json.dumps(list(durable_objects))} }}],\n'
                )
            text += "}\n"
            self.write(package.path / "wrangler.jsonc", text, None)
            return
        lines = [
            f"# {name}: generated for the code-audit benchmark.",
            f'name = "{name}"',
            f'main = "{main}"',
            'compatibility_date = "2025-01-15"',
            "",
        ]
        if package.kind == "worker":
            lines += ["[triggers]", 'crons = ["*/15 * * * *"]', ""]
        for binding, database in entries:
            lines += [
                "[[d1_databases]]",
                f'binding = "{binding}"',
                f'database_name = "{database}"',
                f'database_id = "{self._database_id()}"',
            ]
            if binding == "DB" and package.kind == "engine":
                lines.append('migrations_dir = "migrations"')
            lines.append("")
        for class_name in durable_objects:
            lines += [
                "[[durable_objects.bindings]]",
                f'name = "{_camel(class_name).upper()}"',
                f'class_name = "{class_name}"',
                "",
            ]
        if durable_objects:
            lines += ["[[migrations]]", 'tag = "v1"', f"new_sqlite_classes = {json.dumps(list(durable_objects))}", ""]
        if staging:
            lines += ["[env.staging]", f'name = "{name}-staging"', ""]
            for binding, database in entries:
                lines += [
                    "[[env.staging.d1_databases]]",
                    f'binding = "{binding}"',
                    f'database_name = "{database}-staging"',
                    f'database_id = "{self._database_id()}"',
                    "",
                ]
        self.write(package.path / "wrangler.toml", "\n".join(lines), None)

    def sveltekit_configs(self, package: Package) -> None:
        alias = "\n\t\talias: { $curios: 'src/lib/curios' }," if package.kind == "engine" else ""
        self.write(
            package.path / "svelte.config.js",
            "import adapter from '@sveltejs/adapter-cloudflare';\n\n"
            "/** @type {import('@sveltejs/kit').Config} */\n"
            f"export default {{\n\tkit: {{\n\t\tadapter: adapter(),{alias}\n\t}}\n}};\n",
            None,
        )
        paths = ""
        if package.kind == "engine":
            paths = (
                ',\n\t\t"paths": {\n\t\t\t"$lib": ["./src/lib"],\n\t\t\t"$lib/*": ["./src/lib/*"],\n'
                '\t\t\t"$curios/*": ["./src/lib/curios/*"],\n'
                '\t\t\t// core-table queries\n\t\t\t"@grove/db/*": ["./src/lib/server/db/*"],\n\t\t},'
            )
        self.write(
            package.path / "tsconfig.json",
            '{\n\t// generated for the code-audit benchmark\n\t"extends": "./.svelte-kit/tsconfig.json",\n'
            f'\t"compilerOptions": {{\n\t\t"strict": true,\n'
            f'\t\t"types": ["@cloudflare/workers-types"]{paths}\n\t}},\n}}\n',
            None,
        )
        self.write(
            package.path / "package.json",
            json.dumps({"name": f"@grove/{package.path.name}", "private": True, "type": "module"}, indent="\t") + "\n",
            None,
        )

    # SvelteKit packages -------------------------------------------------------------------------

    def _route_dirs(self, count: int) -> list[PurePosixPath]:
        taken: set[PurePosixPath] = set()
        dirs: list[PurePosixPath] = []
        while len(dirs) < count:
            depth = self.rng.choice((1, 2, 2, 3))
            parts = [self.rng.choice(("api", "arbor", "(site)", *_ROUTE_WORDS)) for _ in range(depth)]
            if self.rng.random() < 0.2:
                parts.append("[id]")
            candidate = PurePosixPath("src/routes", *parts)
            suffix = 2
            base = candidate
            while candidate in taken:
                candidate = (
                    base.parent / f"{base.name}-{suffix}"
                    if base.name != "[id]"
                    else base.parent / f"v{suffix}" / "[id]"
                )
                suffix += 1
            taken.add(candidate)
            dirs.append(candidate)
        return dirs

    def sveltekit(self, package: Package) -> None:
        self.wrangler(package, ".svelte-kit/cloudflare/_worker.js", staging=package.kind == "engine")
        self.sveltekit_configs(package)
        quota = package.quota
        plain = max(1, round(quota * 0.13))
        tests = round(quota * 0.03)
        svelte = max(1, round(quota * 0.12))
        helpers = max(1, round(quota * 0.2))
        hooks = 1 if "DB" in package.bindings else 0
        routes = max(0, quota - plain - tests - svelte - helpers - hooks - 1)  # 1: the root layout
        self.app_d_ts(package)
        for index in range(plain - 1):
            self.plain_ts(package.path / "src/lib" / f"{_PLAIN_TOPICS[index % len(_PLAIN_TOPICS)]}-{index + 1}.ts")
        for index in range(helpers):
            self.sveltekit_helper(package, index)
        for index in range(tests):
            helper = package.helpers[index % len(package.helpers)]
            self.test_file(package, helper, index)
        if hooks:
            self.hooks(package)
        dirs = self._route_dirs(routes)
        pages = 0
        for index, directory in enumerate(dirs):
            page = pages < svelte and index % 2 == 0
            self.route(package, directory, page=page)
            if page:
                self.svelte_page(package.path / directory / "+page.svelte")
                pages += 1
        self.root_layout(package)
        for index in range(svelte - pages):
            self.svelte_component(
                package.path
                / "src/lib/components"
                / f"{_pascal(_ROUTE_WORDS[index % len(_ROUTE_WORDS)])}Card{index + 1}.svelte"
            )

    def app_d_ts(self, package: Package) -> None:
        env = "".join(f"\t\t\t\t{binding}: D1Database;\n" for binding in package.bindings)
        self.write(
            package.path / "src/app.d.ts",
            "declare global {\n\tnamespace App {\n\t\tinterface Locals {\n\t\t\ttenantId: string;\n"
            "\t\t\tdb?: D1Database;\n\t\t}\n\t\tinterface Platform {\n\t\t\tenv: {\n"
            f"{env}\t\t\t}};\n\t\t}}\n\t}}\n}}\n\nexport {{}};\n",
            "ts-plain",
        )

    def hooks(self, package: Package) -> None:
        self.result = 0
        ctx = Context(tenant="tenantId", id="event.url.searchParams.get('id')", limit="1", values="{}", sort="''")
        statement = (
            Statement(("SELECT id FROM tenants WHERE subdomain = ?",), (), "first")
            if "tenants" in self.sql.tables
            else None
        )
        lines = [
            "import { error, type Handle } from '@sveltejs/kit';",
            "",
            "export const handle: Handle = async ({ event, resolve }) => {",
            "\tconst db = event.platform?.env?.DB;",
            "\tif (!db) error(503, 'Database unavailable');",
            "\tevent.locals.db = db;",
            "\tconst subdomain = event.url.hostname.split('.')[0];",
        ]
        if statement is not None:
            lines += [
                "\tconst tenant = await db",
                "\t\t.prepare('SELECT id FROM tenants WHERE subdomain = ?')",
                "\t\t.bind(subdomain)",
                "\t\t.first<{ id: string }>();",
                "\tif (!tenant) error(404, 'No grove here');",
                "\tevent.locals.tenantId = tenant.id;",
            ]
            self._count(1, "event.platform?.env?.DB", statement)
        else:
            body, _ = self.body("db", "DB", ctx, "\t", "event.platform?.env?.DB", 1, writes=False, batch_ok=False)
            lines += ["\tconst tenantId = subdomain;", *body, "\tevent.locals.tenantId = subdomain;"]
        lines += ["\treturn resolve(event);", "};", ""]
        self.write(package.path / "src/hooks.server.ts", "\n".join(lines), "ts-d1")
        self.stats.d1_files += 1

    def sveltekit_helper(self, package: Package, index: int) -> None:
        binding = self._pick_binding(package)
        table = self.sql.table(binding)
        topic = table.name.replace("_", "-")
        folder = "src/lib/server"
        if package.kind == "engine":
            if table.database == "curios" and self.rng.random() < 0.6:
                folder = "src/lib/curios"
            elif table.database == "engine" and self.rng.random() < 0.5:
                folder = "src/lib/server/db"
        module = PurePosixPath(folder) / f"{topic}-{index + 1}.ts"
        self.helper_module(package, module, binding, table, takes_env=False)

    def helper_module(
        self, package: Package, module: PurePosixPath, binding: str, focus: Table, *, takes_env: bool
    ) -> None:
        """A module of 1-2 exported functions whose first parameter is the database (or env)."""
        lines: list[str] = []
        imports: list[str] = []
        functions = self.rng.choice((1, 1, 2))
        sites_left = max(functions, self._site_count())
        earlier = [helper for helper in package.helpers if helper.binding == binding and not helper.takes_env]
        callee = self.rng.choice(earlier) if earlier and not takes_env and self.rng.random() < 0.2 else None
        if callee is not None:
            if callee in package.uncalled:
                package.uncalled.remove(callee)
            imports.append(f"import {{ {callee.name} }} from '{self._relative(module, callee.module)}';")
        if takes_env:
            imports.append(f"import type {{ Env }} from '{self._relative(module, PurePosixPath('src/env.ts'))}';")
        lines += [
            "",
            "export interface QueryOptions {",
            "\tid?: string | null;",
            "\tids?: string[];",
            "\tlimit?: number;",
            "\tsort?: string | null;",
            "\tvalues?: Record<string, unknown>;",
            "}",
        ]
        for number in range(functions):
            self.result = 0
            sites = sites_left if number == functions - 1 else max(1, sites_left // functions)
            sites_left -= sites
            verb = self.rng.choice(("load", "list", "save", "count", "sync", "find", "refresh"))
            name = _camel(verb, module.stem.rsplit("-", 1)[0], str(len(package.helpers) + 1))
            first = "env: Env" if takes_env else "db: D1Database"
            lines += ["", f"export async function {name}({first}, tenantId: string, options: QueryOptions = {{}}) {{"]
            ctx = Context(
                tenant="tenantId",
                id="options.id ?? null",
                limit="options.limit ?? PAGE_SIZE",
                values="values",
                sort="options.sort",
                setup={
                    "cutoff": "const cutoff = Math.floor(Date.now() / 1000) - RETENTION_SECONDS;",
                    "ids": "const ids = options.ids ?? [];",
                },
            )
            lines.append("\tconst values = options.values ?? {};")
            setup: list[str] = []
            receiver, form = "db", "db parameter"
            if takes_env:
                receiver, form, setup = self.rng.choice(
                    (
                        (f"env.{binding}", "env parameter: env.B", []),
                        ("db", "env parameter: const db = env.B", [f"\tconst db = env.{binding};"]),
                        (binding, "env parameter: const { B } = env", [f"\tconst {{ {binding} }} = env;"]),
                    )
                )
            lines += setup
            body, names = self.body(receiver, binding, ctx, "\t", form, sites, writes=None, batch_ok=True, focus=focus)
            lines += body
            if callee is not None and number == 0:
                lines.append(f"\tconst nested = await {callee.name}(db, tenantId, options);")
                self.stats.passes["db parameter, passed on"] += 1
                names.append("nested")
            lines += [f"\treturn {{ {', '.join(names)} }};", "}"]
            package.helpers.append(Helper(name, module, binding, takes_env))
            package.uncalled.append(package.helpers[-1])
        header = [f"/** Queries reached through {binding}, which the callers pass in. */", *imports]
        self._write_d1(package.path / module, header + self._consts(lines) + lines)

    def _consts(self, lines: Sequence[str]) -> list[str]:
        text = "\n".join(lines)
        consts = [
            f"const {name} = {value};"
            for name, value in (
                ("PAGE_SIZE", "20"),
                ("WINDOW_SECONDS", "7 * 86400"),
                ("RETENTION_SECONDS", "90 * 86400"),
            )
            if name in text
        ]
        return ["", *consts] if consts else []

    def _write_d1(self, path: PurePosixPath, lines: Sequence[str]) -> None:
        self.write(path, "\n".join(lines).rstrip("\n") + "\n", "ts-d1")
        self.stats.d1_files += 1

    def _relative(self, source: PurePosixPath, target: PurePosixPath) -> str:
        spec = os.path.relpath(str(target.with_suffix("")), str(source.parent)).replace(os.sep, "/")
        return spec if spec.startswith(".") else "./" + spec

    def _import_spec(self, package: Package, route: PurePosixPath, helper: Helper) -> str:
        module = helper.module
        if self.rng.random() < 0.3:
            return self._relative(route, module)
        parts = module.with_suffix("").parts
        if parts[:3] == ("src", "lib", "curios") and self.rng.random() < 0.7:
            return "$curios/" + "/".join(parts[3:])
        if parts[:4] == ("src", "lib", "server", "db") and self.rng.random() < 0.7:
            return "@grove/db/" + "/".join(parts[4:])
        return "$lib/" + "/".join(parts[2:])

    def _pick_binding(self, package: Package) -> str:
        if len(package.bindings) == 1:
            return package.bindings[0]
        return "OBS_DB" if self.rng.random() < 0.2 and "OBS_DB" in package.bindings else package.bindings[0]

    def _sveltekit_receiver(self, binding: str, *, needs_value: bool) -> tuple[str, str, list[str]]:
        """The receiver expression, the form's name and its setup lines."""
        var = "obs" if binding == "OBS_DB" else "db"
        forms = [
            (f"platform?.env?.{binding}", "platform?.env?.B", []),
            (
                var,
                "const db = platform?.env?.B",
                [f"\tconst {var} = platform?.env?.{binding};", f"\tif (!{var}) error(503, 'Database unavailable');"],
            ),
            (
                binding,
                "const { B } = platform.env",
                ["\tif (!platform) error(503, 'Database unavailable');", f"\tconst {{ {binding} }} = platform.env;"],
            ),
            (f"platform!.env.{binding}", "platform!.env.B", []),
        ]
        weights = [25, 35, 20, 5]
        if binding == "DB":
            forms.append(
                (
                    "db",
                    "locals.db ?? platform.env.DB",
                    [
                        "\tif (!platform) error(503, 'Database unavailable');",
                        "\tconst db = locals.db ?? platform.env.DB;",
                    ],
                )
            )
            weights.append(15)
        if needs_value:
            weights[0] = 0
        return self.rng.choices(forms, weights=weights)[0]

    def route(self, package: Package, directory: PurePosixPath, *, page: bool) -> None:
        filename = (
            "+page.server.ts"
            if page
            else self.rng.choice(("+server.ts", "+server.ts", "+page.server.ts", "+layout.server.ts"))
        )
        path = directory / filename
        kind = {"+server.ts": "server", "+page.server.ts": "page", "+layout.server.ts": "layout"}[filename]
        focus = self.rng.choice(self.tables)  # the table the route is mostly about
        sites = self._site_count()
        reads = sites if kind == "layout" else self.rng.randint(max(0, sites - 2), sites)
        writes = sites - reads
        lines: list[str] = []
        names: list[str] = []
        helpers_used: list[Helper] = []
        handlers: list[str] = []
        for _handler, count, write in (("read", reads, False), ("write", writes, True)):
            if count == 0:
                continue
            self.result = 0
            binding = self._pick_binding(package)
            helper = package.take_helper(self.rng, binding) if self.rng.random() < 0.45 else None
            receiver, form, setup = self._sveltekit_receiver(binding, needs_value=helper is not None or count >= 2)
            ctx = Context(
                tenant="locals.tenantId",
                id="url.searchParams.get('id')",
                limit="PAGE_SIZE",
                values="body",
                sort="url.searchParams.get('sort')",
                setup={
                    "cutoff": "const cutoff = Math.floor(Date.now() / 1000) - RETENTION_SECONDS;",
                    "ids": "const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);",
                },
            )
            params = "{ platform, locals, url, request }" if write else "{ platform, locals, url }"
            if kind == "server":
                head = f"export const {'POST' if write else 'GET'}: RequestHandler = async ({params}) => {{"
            elif kind == "layout":
                head = f"export const load: LayoutServerLoad = async ({params}) => {{"
            elif write:
                head = f"export const actions: Actions = {{\n\tdefault: async ({params}) => {{"
            else:
                head = f"export const load: PageServerLoad = async ({params}) => {{"
            indent = "\t\t" if kind == "page" and write else "\t"
            block = [head]
            block += [indent + line.lstrip("\t") for line in setup]
            if write:
                block.append(f"{indent}const body = (await request.json()) as Record<string, unknown>;")
            body, names = self.body(
                receiver,
                binding,
                ctx,
                indent,
                form,
                count,
                writes=write,
                batch_ok=receiver != f"platform?.env?.{binding}",
                focus=focus,
            )
            block += body
            if helper is not None:
                argument = receiver
                block.append(
                    f"{indent}const fromHelper = await {helper.name}({argument}, locals.tenantId,"
                    " { limit: PAGE_SIZE });"
                )
                names.append("fromHelper")
                helpers_used.append(helper)
                self.stats.passes[form] += 1
            result = ", ".join(names)
            if kind == "server":
                block += [f"{indent}return json({{ {result} }});", "};"]
            elif kind == "page" and write:
                block += [f"{indent}return {{ ok: true, {result} }};", "\t}", "};"]
            else:
                block += [f"{indent}return {{ {result} }};", "};"]
            handlers.append("\n".join(block))
        types = {"server": "RequestHandler", "page": "Actions, PageServerLoad", "layout": "LayoutServerLoad"}[kind]
        kit = "error, json" if kind == "server" else "error"
        lines = [f"import {{ {kit} }} from '@sveltejs/kit';"]
        for used in dict.fromkeys(helpers_used):
            lines.append(f"import {{ {used.name} }} from '{self._import_spec(package, path, used)}';")
        lines.append(f"import type {{ {types} }} from './$types';")
        text_body = "\n\n".join(handlers)
        lines += [*self._consts([text_body]), "", text_body]
        self._write_d1(package.path / path, lines)

    def root_layout(self, package: Package) -> None:
        """`src/routes/+layout.server.ts`: calls every helper no route calls (the site's shared data)."""
        path = PurePosixPath("src/routes/+layout.server.ts")
        calls = list(package.uncalled)
        package.uncalled.clear()
        lines = ["import { error } from '@sveltejs/kit';"]
        for helper in dict.fromkeys(calls):
            lines.append(f"import {{ {helper.name} }} from '{self._import_spec(package, path, helper)}';")
        lines += [
            "import type { LayoutServerLoad } from './$types';",
            "",
            "export const load: LayoutServerLoad = async ({ platform, locals }) => {",
            "\tif (!platform) error(503, 'Database unavailable');",
        ]
        for index, helper in enumerate(calls):
            lines.append(
                f"\tconst shared{index + 1} = await {helper.name}(platform.env.{helper.binding}, locals.tenantId);"
            )
            self.stats.passes["platform.env.B (root layout)"] += 1
        names = ", ".join(f"shared{index + 1}" for index in range(len(calls)))
        lines += [f"\treturn {{ tenant: locals.tenantId{', ' + names if names else ''} }};", "};", ""]
        self.write(package.path / path, "\n".join(lines), "ts-calls")

    def svelte_page(self, path: PurePosixPath) -> None:
        self.write(
            path,
            '<script lang="ts">\n\t// Components never reach D1: data comes from +page.server.ts.\n'
            "\timport type { PageData } from './$types';\n\n\tlet { data }: { data: PageData } = $props();\n"
            "\tconst entries = $derived(Object.entries(data));\n</script>\n\n<section>\n"
            "\t{#each entries as [key, value] (key)}\n\t\t<h2>{key}</h2>\n"
            "\t\t<pre>{JSON.stringify(value, null, 2)}</pre>\n"
            "\t{/each}\n</section>\n",
            "svelte",
        )

    def svelte_component(self, path: PurePosixPath) -> None:
        self.write(
            path,
            '<script lang="ts">\n\tlet { title, items = [] }: { title: string; items?: string[] } = $props();\n'
            "\tlet open = $state(false);\n</script>\n\n<button onclick={() => (open = !open)}>{title}</button>\n"
            "{#if open}\n\t<ul>\n\t\t{#each items as item}\n\t\t\t<li>{item}</li>\n\t\t{/each}\n\t</ul>\n{/if}\n",
            "svelte",
        )

    def plain_ts(self, path: PurePosixPath) -> None:
        name = _camel("format", path.stem)
        variant = self.rng.randint(0, 2)
        if variant == 0:
            body = (
                f"export function {name}(value: string, max = 80): string {{\n"
                "\tconst trimmed = value.trim().replace(/\\s+/g, ' ');\n"
                "\treturn trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;\n}\n"
            )
        elif variant == 1:
            body = (
                f"export function {name}(bytes: number): string {{\n\tconst units = ['B', 'KB', 'MB', 'GB'];\n"
                "\tlet size = bytes;\n\tlet unit = 0;\n\twhile (size >= 1024 && unit < units.length - 1) {\n"
                "\t\tsize /= 1024;\n\t\tunit += 1;\n\t}\n\treturn `${size.toFixed(unit ? 1 : 0)} ${units[unit]}`;\n}\n"
            )
        else:
            body = (
                f"export interface {_pascal(name)}Page<T> {{\n"
                "\titems: T[];\n\tpage: number;\n\thasMore: boolean;\n}\n\n"
                f"export function {name}<T>(items: T[], page: number, perPage: number): {_pascal(name)}Page<T> {{\n"
                "\tconst start = (page - 1) * perPage;\n"
                "\treturn { items: items.slice(start, start + perPage), page,"
                " hasMore: items.length > start + perPage };\n}\n"
            )
        self.write(path, body, "ts-plain")

    def test_file(self, package: Package, helper: Helper, index: int) -> None:
        module = helper.module
        path = module.with_name(f"{module.stem}.{index + 1}.test.ts")
        self.write(
            package.path / path,
            "import { describe, expect, it } from 'vitest';\n"
            f"import {{ {helper.name} }} from './{module.stem}';\n\n"
            f"describe('{helper.name}', () => {{\n\tit('is exported', () => {{\n"
            f"\t\texpect(typeof {helper.name}).toBe('function');\n\t}});\n}});\n",
            "ts-test",
        )

    # workers ------------------------------------------------------------------------------------

    def worker(self, package: Package) -> None:
        quota = package.quota
        objects = 1 if quota >= 10 else 0
        object_names = [_pascal(package.path.name, "buffer")] if objects else []
        self.wrangler(package, "src/index.ts", durable_objects=object_names)
        plain = max(0, round(quota * 0.22))
        tests = round(quota * 0.03)
        hono = max(0, round(quota * 0.18)) if quota >= 6 else 0
        fixed = 2  # src/index.ts and src/env.ts
        helpers = max(0, quota - fixed - plain - tests - hono - objects)
        if helpers == 0 and quota > fixed:
            helpers, plain = 1, max(0, plain - 1)
        env = "".join(f"\t{binding}: D1Database;\n" for binding in package.bindings)
        env += "".join(f"\t{_camel(name).upper()}: DurableObjectNamespace;\n" for name in object_names)
        if quota >= 2:
            self.write(package.path / "src/env.ts", f"export interface Env {{\n{env}}}\n", "ts-plain")
        for index in range(max(0, plain)):
            self.plain_ts(package.path / "src/lib" / f"{_PLAIN_TOPICS[index % len(_PLAIN_TOPICS)]}-{index + 1}.ts")
        for index in range(helpers):
            binding = self._pick_binding(package)
            table = self.sql.table(binding)
            takes_env = self.rng.random() < 0.4
            folder = "src/handlers" if takes_env else "src/queries"
            self.helper_module(
                package,
                PurePosixPath(folder) / f"{table.name.replace('_', '-')}-{index + 1}.ts",
                binding,
                table,
                takes_env=takes_env,
            )
        for index in range(min(tests, len(package.helpers))):
            self.test_file(package, package.helpers[index], index)
        routes = [self.hono_route(package, index) for index in range(hono)]
        for name in object_names:
            self.durable_object(package, name)
        self.worker_index(package, routes, object_names)

    def _worker_ctx(self, tenant: str, id_expr: str, sort: str) -> Context:
        return Context(
            tenant=tenant,
            id=id_expr,
            limit="PAGE_SIZE",
            values="body",
            sort=sort,
            setup={
                "cutoff": "const cutoff = Math.floor(Date.now() / 1000) - RETENTION_SECONDS;",
                "ids": "const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);",
            },
        )

    def hono_route(self, package: Package, index: int) -> PurePosixPath:
        module = PurePosixPath("src/routes") / f"{self.rng.choice(_ROUTE_WORDS)}-{index + 1}.ts"
        name = _camel("route", module.stem)
        lines = [
            "import { Hono } from 'hono';",
            f"import type {{ Env }} from '{self._relative(module, PurePosixPath('src/env.ts'))}';",
            "",
        ]
        handlers: list[str] = []
        imports: list[str] = []
        focus = self.rng.choice(self.tables)
        sites = self._site_count()
        reads = self.rng.randint(1, sites)
        for method, count in (("get", reads), ("post", sites - reads)):
            if count <= 0:
                continue
            self.result = 0
            write = method == "post"
            binding = self._pick_binding(package)
            receiver, form, setup = self.rng.choice(
                (
                    (f"c.env.{binding}", "c.env.B (Hono)", []),
                    (binding, "const { B } = c.env (Hono)", [f"\tconst {{ {binding} }} = c.env;"]),
                )
            )
            ctx = self._worker_ctx("tenantId", "c.req.query('id') ?? null", "c.req.query('sort')")
            ctx.setup["ids"] = "const ids = (c.req.query('ids') ?? '').split(',').filter(Boolean);"
            block = [
                f"{name}.{method}('/{module.stem}', async (c) => {{",
                "\tconst tenantId = c.req.query('tenant') ?? '';",
            ]
            block += setup
            if write:
                block.append("\tconst body = await c.req.json<Record<string, unknown>>();")
            body, names = self.body(receiver, binding, ctx, "\t", form, count, writes=write, batch_ok=True, focus=focus)
            block += body
            helper = package.take_helper(self.rng, binding) if self.rng.random() < 0.5 else None
            if helper is not None:
                argument = "c.env" if helper.takes_env else receiver
                block.append(f"\tconst fromHelper = await {helper.name}({argument}, tenantId, {{ limit: PAGE_SIZE }});")
                names.append("fromHelper")
                imports.append(f"import {{ {helper.name} }} from '{self._relative(module, helper.module)}';")
                self.stats.passes["c.env (Hono)" if helper.takes_env else form] += 1
            block += [f"\treturn c.json({{ {', '.join(names)} }});", "});"]
            handlers.append("\n".join(block))
        lines[2:2] = list(dict.fromkeys(imports))
        lines.append(f"export const {name} = new Hono<{{ Bindings: Env }}>();")
        text = "\n\n".join(handlers)
        lines += [*self._consts([text]), "", text]
        self._write_d1(package.path / module, lines)
        return module

    def durable_object(self, package: Package, class_name: str) -> None:
        module = PurePosixPath("src/objects") / f"{class_name}.ts"
        binding = self._pick_binding(package)
        self.result = 0
        ctx = self._worker_ctx("tenantId", "url.searchParams.get('id')", "url.searchParams.get('sort')")
        sites = self._site_count()
        fetch_sites = max(1, sites - 1)
        body, names = self.body(
            f"this.env.{binding}",
            binding,
            ctx,
            "\t\t",
            "this.env.B (Durable Object)",
            fetch_sites,
            writes=False,
            batch_ok=True,
            focus=self.rng.choice(self.tables),
        )
        lines = [
            "import { DurableObject } from 'cloudflare:workers';",
            f"import type {{ Env }} from '{self._relative(module, PurePosixPath('src/env.ts'))}';",
            f"/** Buffers per-tenant work and reads through {binding}; D1 stays the source of truth. */",
            f"export class {class_name} extends DurableObject<Env> {{",
            "\tasync fetch(request: Request): Promise<Response> {",
            "\t\tconst url = new URL(request.url);",
            "\t\tconst tenantId = url.searchParams.get('tenant') ?? '';",
            *body,
            f"\t\treturn Response.json({{ {', '.join(names)} }});",
            "\t}",
        ]
        if sites > fetch_sites:
            self.result = 0
            statement = self.sql.retention(binding)
            call, _ = self.call(f"this.env.{binding}", statement, ctx, "\t\t", "this.env.B (Durable Object)")
            lines += ["", "\tasync alarm(): Promise<void> {", *self._setups([statement], ctx, "\t\t"), *call, "\t}"]
        lines.append("}")
        self._write_d1(package.path / module, lines[:3] + self._consts(lines[3:]) + [""] + lines[3:])

    def worker_index(self, package: Package, routes: Sequence[PurePosixPath], objects: Sequence[str]) -> None:
        module = PurePosixPath("src/index.ts")
        self.result = 0
        lines: list[str] = []
        imports: list[str] = []
        if routes:
            imports.append("import { Hono } from 'hono';")
            for route in routes:
                imports.append(f"import {{ {_camel('route', route.stem)} }} from '{self._relative(module, route)}';")
        imports.append("import type { Env } from './env';")
        helpers = list(package.uncalled)  # every helper no route calls, and one or two more
        package.uncalled.clear()
        if package.helpers:
            helpers += [h for h in self.rng.sample(package.helpers, min(len(package.helpers), 2)) if h not in helpers]
        for helper in helpers:
            imports.append(f"import {{ {helper.name} }} from '{self._relative(module, helper.module)}';")
        exports = [f"export {{ {name} }} from './objects/{name}';" for name in objects]
        binding = self._pick_binding(package)
        receiver, form, setup = self.rng.choice(
            (
                (f"env.{binding}", "env.B", []),
                ("db", "const db = env.B", [f"\t\tconst db = env.{binding};"]),
                (binding, "const { B } = env", [f"\t\tconst {{ {binding} }} = env;"]),
            )
        )
        ctx = self._worker_ctx("tenantId", "url.searchParams.get('id')", "url.searchParams.get('sort')")
        focus = self.rng.choice(self.tables)
        sites = self._site_count()
        fetch_sites = max(1, sites - 1)
        body, names = self.body(
            receiver, binding, ctx, "\t\t", form, fetch_sites, writes=None, batch_ok=True, focus=focus
        )
        fetch = [
            "\tasync fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {",
            "\t\tconst url = new URL(request.url);",
        ]
        if routes:
            fetch.append("\t\tif (url.pathname.startsWith('/api/')) return api.fetch(request, env, ctx);")
        fetch += [
            "\t\tconst tenantId = url.searchParams.get('tenant') ?? '';",
            "\t\tconst body = request.method === 'POST' ? ((await request.json()) as Record<string, unknown>) : {};",
        ]
        fetch += setup + body
        for helper in helpers:
            argument = "env" if helper.takes_env else f"env.{helper.binding}"
            fetch.append(
                f"\t\tconst {helper.name}Result = await {helper.name}({argument}, tenantId, {{ limit: PAGE_SIZE }});"
            )
            names.append(f"{helper.name}Result")
            self.stats.passes["env" if helper.takes_env else "env.B"] += 1
        fetch += [f"\t\treturn Response.json({{ {', '.join(names)} }});", "\t},"]
        scheduled = ["\tasync scheduled(event: ScheduledEvent, env: Env, ctx: ExecutionContext): Promise<void> {"]
        statement = self.sql.retention(binding)
        if sites > fetch_sites and statement.args == ("cutoff",):
            scheduled += setup + self._setups([statement], ctx, "\t\t")
            call, _ = self.call(receiver, statement, ctx, "\t\t", form)
            scheduled += call
        scheduled += ["\t\tctx.waitUntil(Promise.resolve(event.cron));", "\t},"]
        lines = [*imports, *exports]
        if routes:
            lines += ["", "const api = new Hono<{ Bindings: Env }>();"]
            lines += [f"api.route('/api', {_camel('route', route.stem)});" for route in routes]
        handler = ["", "export default {", *fetch, "", *scheduled, "} satisfies ExportedHandler<Env>;"]
        lines += self._consts(handler) + handler
        self._write_d1(package.path / module, lines)

    # schema and map -----------------------------------------------------------------------------

    def migrations(self) -> None:
        earlier: set[str] = set()
        directory = PurePosixPath(MIGRATIONS_DIR)
        for number, table in enumerate(self.tables, start=1):
            text = f"-- Migration {number:04d}: {table.name} ({table.database}).\n\n" + create_table_sql(table, earlier)
            if table.has_id:
                earlier.add(table.name)
            if table.scoped and table.time_column is not None:
                index = f"idx_{table.name}_tenant_time"
                text += f"\nCREATE INDEX {index} ON {table.name}(tenant_id, {table.time_column} DESC);\n"
            self.write(directory / f"{number:04d}_{table.name}.sql", text, None)
        self.write(directory / "NEXT_MIGRATION_NUMBER.txt", f"{len(self.tables) + 1:04d}\n", None)

    def ownership(self) -> None:
        curios = [table.name for table in self.tables if table.database == "curios"]
        obs_extra = [t.name for t in self.tables if t.database == "obs" and not t.name.startswith("observability_")]

        def toml_list(items: Sequence[str]) -> str:
            return "[\n" + "".join(f'    "{item}",\n' for item in items) + "]"

        text = (
            "# Generated by benchmarks/generate_code_tree.py: the databases of the split and the code to audit.\n\n"
            '[project]\nroot = "."\ndefault_database = "engine"\n\n'
            f'[databases.engine]\nname = "{DATABASES["engine"][0]}"\nbinding = "DB"\n'
            f'migrations = "{MIGRATIONS_DIR}"\nreservation = "{MIGRATIONS_DIR}/NEXT_MIGRATION_NUMBER.txt"\n\n'
            f'[databases.curios]\nname = "{DATABASES["curios"][0]}"\nbinding = "CURIO_DB"\n'
            f'migrations = "{MIGRATIONS_DIR}/curios"\ntables = {toml_list(curios)}\n\n'
            f'[databases.obs]\nname = "{DATABASES["obs"][0]}"\nbinding = "OBS_DB"\n'
            'migrations = "workers/vista-collector/migrations"\n'
            f"tables = {toml_list(['observability_*', *obs_extra])}\n\n"
            '[code]\nroots = ["."]\nexclude = ["**/*.test.ts"]\n'
        )
        self.write("ownership.toml", text, None)


def generate(out: Path, files: int, seed: int = DEFAULT_SEED, tables: Sequence[Table] | None = None) -> Stats:
    """Write the tree under `out` (which must be empty or absent) and return what it holds."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty")
    if files < MIN_FILES:
        raise SystemExit(f"--files must be at least {MIN_FILES}")
    catalog = list(tables) if tables is not None else parse_tables(BUILTIN_TABLES)
    out.mkdir(parents=True, exist_ok=True)
    return TreeWriter(out, files, seed, catalog).generate()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--files", type=int, default=DEFAULT_FILES, help=f"source files to write (default {DEFAULT_FILES})"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write (must be empty or absent)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tables", type=Path, help="table catalog, one `[database:] name(column, ...)` a line")
    args = parser.parse_args(argv)
    try:
        tables = parse_tables(args.tables.read_text(encoding="utf-8")) if args.tables else None
    except (OSError, ValueError) as error:
        parser.error(f"--tables: {error}")
    started = time.perf_counter()
    stats = generate(args.out, args.files, args.seed, tables)
    elapsed = time.perf_counter() - started
    total = sum(stats.files.values())
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(stats.files.items()))
    print(f"wrote {total} source files ({kinds}) and {stats.configs} configs and migrations to {args.out}")
    print(
        f"{stats.sites} D1 call sites in {stats.d1_files} files ({stats.d1_files / max(1, total):.0%}); "
        f"{stats.templates} template literals with ${{...}}, {stats.unresolved} with SQL built at run time; "
        f"{elapsed:.2f} s"
    )
    print("call sites by binding form:")
    for form, count in sorted(stats.forms.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:6d}  {form}")
    print("helper calls by what the caller passes:")
    for form, count in sorted(stats.passes.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:6d}  {form}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
