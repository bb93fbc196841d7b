#!/usr/bin/env python3
"""Generate a synthetic, valid D1 migration stream for benchmarking `grove-schema check`.

The stream is deterministic for a given (--migrations, --seed) and is shaped like a real one:

* at most 500 CREATE TABLE in total (5-15 columns, TEXT/INTEGER, DEFAULTs, CHECKs on some enum
  and counter columns, `tenant_id ... REFERENCES tenants(id) ON DELETE CASCADE` on most tables),
  created progressively along the stream;
* everything else is ALTER TABLE ADD COLUMN (nullable, or NOT NULL with a constant default),
  CREATE INDEX (single-column, composite, partial, a few UNIQUE) and DML (INSERT of a few rows,
  UPDATE), drawn with the weights in MIX, 1-6 statements per file, some files with comments.

Every statement is valid for SQLite with foreign keys on, so `grove-schema check` on the output
reports no error. Usage:

    python benchmarks/generate_stream.py --migrations 1000 --out /tmp/x
    # -> /tmp/x/libs/engine/migrations/00001_create_tenants.sql ...
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MIGRATIONS_SUBDIR = Path("libs/engine/migrations")
MAX_TABLES = 500
MAX_COLUMNS_PER_TABLE = 90  # D1's SQLITE_LIMIT_COLUMN is 100; stay clear of it
DEFAULT_SEED = 20240601
# Statements after a file's CREATE TABLE (if any) are drawn with these weights. The real corpus
# creates most of its indexes next to their table (about 2 per table), so new tables get 0-3
# indexes and later CREATE INDEX statements are a smaller share than ADD COLUMN and DML.
MIX = {"add_column": 0.30, "index": 0.12, "seed": 0.36, "update": 0.22}
INDEXES_WITH_NEW_TABLE = (0, 1, 1, 2, 2, 3)

# Two shapes. "corpus" follows the real corpus's proportions: it has about 2.2 named indexes per
# table (274 for 125 tables, at most 10 on one) and one ADD COLUMN for every 3.4 tables, so later
# CREATE INDEX statements stop once the stream holds 2.5 indexes per table, and ADD COLUMN is a
# smaller share than DML. "alter-heavy" is the first generator's mix (7.6 indexes per table, 28 %
# ADD COLUMN): SQLite reloads the whole schema on every ADD COLUMN, so it shows that cost.
SHAPES: dict[str, tuple[dict[str, float], float | None]] = {
    "corpus": ({"add_column": 0.14, "index": 0.12, "seed": 0.44, "update": 0.30}, 2.5),
    "alter-heavy": (MIX, None),
}
DEFAULT_SHAPE = "corpus"

_DOMAINS = (
    "shop", "blog", "auth", "media", "billing", "analytics", "cms", "mail", "search", "feed",
    "forum", "events", "support", "wiki", "crm", "jobs", "notify", "audit", "geo", "social",
)
_NOUNS = (
    "orders", "items", "sessions", "tokens", "invoices", "payments", "assets", "comments",
    "threads", "pages", "revisions", "tags", "subscriptions", "webhooks", "reports", "queues",
    "accounts", "profiles", "settings", "logs", "exports", "imports", "snapshots", "links",
    "votes", "reactions", "tasks", "templates", "drafts", "contacts",
)
_TEXT_WORDS = (
    "title", "slug", "email", "notes", "label", "summary", "body", "url", "handle", "locale",
    "currency", "region", "source", "reference", "checksum", "mime_type", "provider", "code",
    "description", "external_id", "hostname", "path", "color", "icon", "language",
)
_INT_WORDS = (
    "count", "score", "priority", "size_bytes", "position", "attempts", "duration_ms", "amount",
    "quantity", "version", "weight", "rank", "expires_at", "sent_at", "published_at", "deleted_at",
    "last_seen_at", "retry_after", "limit_value", "is_enabled",
)
_ENUMS = (
    ("status", ("active", "pending", "archived")),
    ("state", ("draft", "published", "hidden")),
    ("visibility", ("public", "private", "unlisted")),
    ("kind", ("standard", "premium", "trial")),
    ("level", ("info", "warning", "error")),
)
_TARGET = re.compile(r"(?:ALTER TABLE|INTO|UPDATE| ON) (\w+)")
_VALUE_WORDS = ("alpha", "bravo", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper")


@dataclass
class Col:
    name: str
    type: str  # TEXT | INTEGER
    not_null: bool = False
    default: str | None = None  # SQL text of the DEFAULT
    enum: tuple[str, ...] | None = None  # CHECK (name IN (...))
    nonneg: bool = False  # CHECK (name >= 0)
    references: str | None = None  # parent table of a nullable foreign key
    unique: bool = False  # never UPDATEd (the generator cannot keep it unique)

    @property
    def required(self) -> bool:
        """An INSERT must give it a value."""
        return self.not_null and self.default is None


@dataclass
class Tbl:
    name: str
    columns: list[Col]
    tenant: bool
    rows: int = 0  # rows inserted so far; their ids are f"{name}-1" ... f"{name}-{rows}"
    indexes: int = 0
    column_names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.column_names = {c.name for c in self.columns}

    def row_id(self, n: int) -> str:
        return f"{self.name}-{n}"


class StreamGenerator:
    def __init__(self, migrations: int, seed: int = DEFAULT_SEED, shape: str = DEFAULT_SHAPE) -> None:
        mix, density = SHAPES[shape]
        self.mix_kinds = tuple(mix)
        self.mix_weights = tuple(mix.values())
        self.index_density = density  # named indexes per table at most, for later CREATE INDEX
        self.index_count = 0
        if migrations < 1:
            raise ValueError("--migrations must be at least 1")
        self.n = migrations
        self.rng = random.Random(seed)
        self.tables: list[Tbl] = []
        self.by_name: dict[str, Tbl] = {}
        self.table_names: set[str] = set()
        self.index_names: set[str] = set()
        self.tenants: Tbl | None = None
        # Which files create a table: the first one (tenants), then spread along the stream,
        # denser at the start (a young schema grows by tables, an old one by columns).
        total_tables = max(2, min(MAX_TABLES, migrations // 20))
        wanted = min(total_tables - 1, migrations - 1)
        self.create_at: set[int] = set()
        while len(self.create_at) < wanted:
            self.create_at.add(1 + int((migrations - 1) * self.rng.random() ** 1.6))
        self.kinds: Counter[str] = Counter()  # statements written, by kind

    # --- values --------------------------------------------------------------------------------

    def _quote(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    def _value(self, col: Col, table: Tbl) -> str:
        rng = self.rng
        if col.references is not None:
            parent = self._table(col.references)
            if parent is not None and parent.rows and rng.random() < 0.7:
                return self._quote(parent.row_id(rng.randint(1, parent.rows)))
            return "NULL"
        if col.enum:
            return self._quote(rng.choice(col.enum))
        if col.type == "INTEGER":
            return str(rng.randint(0, 5000))
        word = rng.choice(_VALUE_WORDS)
        if rng.random() < 0.1:
            word = f"{word}'s"  # an escaped quote now and then
        return self._quote(f"{word} {rng.randint(1, 999)}")

    def _table(self, name: str) -> Tbl | None:
        return self.by_name.get(name)

    def _tenant_id(self) -> str:
        assert self.tenants is not None and self.tenants.rows > 0
        return self._quote(self.tenants.row_id(self.rng.randint(1, self.tenants.rows)))

    # --- names ---------------------------------------------------------------------------------

    def _new_table_name(self) -> str:
        rng = self.rng
        base = f"{rng.choice(_DOMAINS)}_{rng.choice(_NOUNS)}"
        name, suffix = base, 2
        while name in self.table_names:
            name = f"{base}_v{suffix}"
            suffix += 1
        self.table_names.add(name)
        return name

    def _new_column_name(self, table: Tbl | None, taken: set[str], words: tuple[str, ...]) -> str:
        base = self.rng.choice(words)
        name, suffix = base, 2
        while name in taken:
            name = f"{base}_{suffix}"
            suffix += 1
        return name

    def _new_index_name(self, table: Tbl, columns: list[str]) -> str:
        base = f"idx_{table.name}_{'_'.join(columns)}"[:60]
        name, suffix = base, 2
        while name in self.index_names:
            name = f"{base}_{suffix}"
            suffix += 1
        self.index_names.add(name)
        return name

    def _random_column(self, taken: set[str], *, for_add: bool) -> Col:
        """A new column; for ADD COLUMN only what SQLite accepts on a table with rows."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            base, values = rng.choice(_ENUMS)
            name = self._new_column_name(None, taken, (base,))
            return Col(name, "TEXT", not_null=True, default=self._quote(values[0]), enum=values)
        if roll < 0.55:
            name = self._new_column_name(None, taken, _TEXT_WORDS)
            style = rng.random()
            if style < 0.45:
                return Col(name, "TEXT")
            if style < 0.8 or for_add:
                return Col(name, "TEXT", not_null=True, default=self._quote(rng.choice(("", "none", "en"))))
            return Col(name, "TEXT", not_null=True)  # required on INSERT
        if roll < 0.92:
            name = self._new_column_name(None, taken, _INT_WORDS)
            style = rng.random()
            if style < 0.4:
                return Col(name, "INTEGER")
            if style < 0.85 or for_add:
                return Col(name, "INTEGER", not_null=True, default=str(rng.choice((0, 0, 1, 10))), nonneg=True)
            return Col(name, "INTEGER", not_null=True)
        # A nullable reference to an earlier table (no default: SQLite refuses a non-NULL one).
        candidates = [t for t in self.tables if t.name != "tenants"]
        if not candidates:
            return Col(self._new_column_name(None, taken, _TEXT_WORDS), "TEXT")
        parent = rng.choice(candidates)
        name = self._new_column_name(None, taken, (f"{parent.name.split('_', 1)[1].rstrip('s')}_id",))
        return Col(name, "TEXT", references=parent.name)

    def _column_sql(self, col: Col) -> str:
        parts = [col.name, col.type]
        if col.not_null:
            parts.append("NOT NULL")
        if col.default is not None:
            parts.append(f"DEFAULT {col.default}")
        if col.enum:
            parts.append(f"CHECK ({col.name} IN ({', '.join(self._quote(v) for v in col.enum)}))")
        elif col.nonneg:
            parts.append(f"CHECK ({col.name} >= 0)")
        if col.references is not None:
            parts.append(f"REFERENCES {col.references}(id) ON DELETE SET NULL")
        return " ".join(parts)

    # --- statements ------------------------------------------------------------------------------

    def create_tenants(self) -> list[str]:
        columns = [
            Col("id", "TEXT", not_null=True),
            Col("subdomain", "TEXT", not_null=True, unique=True),
            Col("display_name", "TEXT", not_null=True),
            Col("plan", "TEXT", not_null=True, default="'starter'", enum=("starter", "professional", "business")),
            Col("storage_used", "INTEGER", not_null=True, default="0", nonneg=True),
            Col("active", "INTEGER", not_null=True, default="1"),
            Col("created_at", "INTEGER", not_null=True, default="(unixepoch())"),
            Col("updated_at", "INTEGER", not_null=True, default="(unixepoch())"),
        ]
        table = Tbl("tenants", columns, tenant=False)
        self.tables.append(table)
        self.by_name[table.name] = table
        self.table_names.add("tenants")
        self.tenants = table
        sql = (
            "CREATE TABLE tenants (\n"
            "  id TEXT PRIMARY KEY,\n"
            "  subdomain TEXT NOT NULL UNIQUE,\n"
            "  display_name TEXT NOT NULL,\n"
            "  plan TEXT NOT NULL DEFAULT 'starter' CHECK (plan IN ('starter', 'professional', 'business')),\n"
            "  storage_used INTEGER NOT NULL DEFAULT 0 CHECK (storage_used >= 0),\n"
            "  active INTEGER NOT NULL DEFAULT 1,\n"
            "  created_at INTEGER NOT NULL DEFAULT (unixepoch()),\n"
            "  updated_at INTEGER NOT NULL DEFAULT (unixepoch())\n"
            ")"
        )
        rows = []
        for n in range(1, 6):
            rows.append(f"('tenants-{n}', 'site{n}', 'Site {n}')")
        table.rows = 5
        insert = "INSERT INTO tenants (id, subdomain, display_name) VALUES\n  " + ",\n  ".join(rows)
        index = "CREATE INDEX idx_tenants_active ON tenants(active) WHERE active = 1"
        self.index_names.add("idx_tenants_active")
        table.indexes = 1
        return [sql, index, insert]

    def create_table(self) -> tuple[str, Tbl]:
        rng = self.rng
        name = self._new_table_name()
        tenant = rng.random() < 0.85
        columns = [Col("id", "TEXT", not_null=True)]
        if tenant:
            columns.append(Col("tenant_id", "TEXT", not_null=True))
        taken = {c.name for c in columns} | {"created_at", "updated_at"}
        total = rng.randint(5, 15)
        while len(columns) < total - 2:
            col = self._random_column(taken, for_add=False)
            taken.add(col.name)
            columns.append(col)
        columns.append(Col("created_at", "INTEGER", not_null=True, default="(unixepoch())"))
        columns.append(Col("updated_at", "INTEGER", not_null=True, default="(unixepoch())"))
        lines = []
        comment_columns = rng.random() < 0.25
        for col in columns:
            if col.name == "id":
                line = "id TEXT PRIMARY KEY"
            elif col.name == "tenant_id":
                line = "tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE"
            else:
                line = self._column_sql(col)
            lines.append(line)
        rendered = []
        for i, line in enumerate(lines):
            comma = "," if i < len(lines) - 1 else ""
            note = f" -- {columns[i].name.replace('_', ' ')}" if comment_columns and rng.random() < 0.3 else ""
            rendered.append(f"  {line}{comma}{note}")
        if_not_exists = "IF NOT EXISTS " if rng.random() < 0.3 else ""
        sql = f"CREATE TABLE {if_not_exists}{name} (\n" + "\n".join(rendered) + "\n)"
        table = Tbl(name, columns, tenant=tenant)
        self.tables.append(table)
        self.by_name[table.name] = table
        return sql, table

    def add_column(self) -> str | None:
        rng = self.rng
        candidates = [t for t in self.tables if len(t.columns) < MAX_COLUMNS_PER_TABLE]
        if not candidates:
            return None
        # Recently created tables change more often, as in real streams.
        table = candidates[-1 - min(int(rng.expovariate(1 / 12)), len(candidates) - 1)]
        col = self._random_column(table.column_names | {"id"}, for_add=True)
        table.columns.append(col)
        table.column_names.add(col.name)
        return f"ALTER TABLE {table.name} ADD COLUMN {self._column_sql(col)}"

    def create_index(self, table: Tbl | None = None) -> str:
        rng = self.rng
        self.index_count += 1
        if table is None:
            table = self.tables[-1 - min(int(rng.expovariate(1 / 20)), len(self.tables) - 1)]
        plain = [c for c in table.columns if c.name not in ("id",)]
        roll = rng.random()
        unique = False
        where = None
        if roll < 0.08 and table.tenant:
            # UNIQUE over a key that contains the primary key: never violated by existing rows.
            cols = ["tenant_id", "id"]
            unique = True
        elif roll < 0.45 and len(plain) >= 2:
            first = "tenant_id" if table.tenant and rng.random() < 0.7 else rng.choice(plain).name
            second = rng.choice([c for c in plain if c.name != first])
            cols = [first, second.name + (" DESC" if rng.random() < 0.3 else "")]
        else:
            cols = [rng.choice(plain).name]
        if not unique and rng.random() < 0.3:
            nullable = [c for c in table.columns if not c.not_null]
            enums = [c for c in table.columns if c.enum]
            if enums and (not nullable or rng.random() < 0.5):
                col = rng.choice(enums)
                assert col.enum is not None
                where = f"{col.name} = {self._quote(col.enum[0])}"
            elif nullable:
                where = f"{rng.choice(nullable).name} IS NOT NULL"
        bare = [c.split()[0] for c in cols]
        name = self._new_index_name(table, bare)
        table.indexes += 1
        if_not_exists = "IF NOT EXISTS " if rng.random() < 0.3 else ""
        head = "CREATE UNIQUE INDEX" if unique else "CREATE INDEX"
        sql = f"{head} {if_not_exists}{name} ON {table.name}({', '.join(cols)})"
        if where:
            sql += f" WHERE {where}"
        return sql

    def insert(self, table: Tbl | None = None) -> str:
        rng = self.rng
        if table is None:
            table = self.tables[-1 - min(int(rng.expovariate(1 / 25)), len(self.tables) - 1)]
        fixed = ["id"] + (["tenant_id"] if table.tenant else [])
        special = {"id", "tenant_id", "created_at", "updated_at"}
        required = [c for c in table.columns if c.required and c.name not in special]
        optional = [c for c in table.columns if not c.required and c.name not in special]
        chosen = required + rng.sample(optional, min(len(optional), rng.randint(0, 3)))
        names = fixed + [c.name for c in chosen]
        rows = []
        for _ in range(rng.randint(1, 4)):
            table.rows += 1
            values = [self._quote(table.row_id(table.rows))]
            if table.tenant:
                values.append(self._tenant_id())
            for c in chosen:
                if table.name == "tenants" and c.name == "subdomain":
                    values.append(self._quote(f"site{table.rows}"))  # UNIQUE: derive it from the id
                else:
                    values.append(self._value(c, table))
            rows.append("(" + ", ".join(values) + ")")
        verb = "INSERT OR IGNORE INTO" if rng.random() < 0.15 else "INSERT INTO"
        return f"{verb} {table.name} ({', '.join(names)}) VALUES\n  " + ",\n  ".join(rows)

    def update(self) -> str:
        rng = self.rng
        table = self.tables[-1 - min(int(rng.expovariate(1 / 25)), len(self.tables) - 1)]
        settable = [
            c for c in table.columns
            if c.name not in ("id", "tenant_id", "created_at", "updated_at") and not c.unique
        ]
        if not settable:
            return f"UPDATE {table.name} SET updated_at = unixepoch() WHERE id = 'none'"
        col = rng.choice(settable)
        value = self._value(col, table)
        if value == "NULL" and col.not_null:
            value = col.default or "''"
        assignments = [f"{col.name} = {value}"]
        if any(c.name == "updated_at" for c in table.columns) and rng.random() < 0.6:
            assignments.append("updated_at = unixepoch()")
        roll = rng.random()
        if table.tenant and roll < 0.5:
            where = f"tenant_id = {self._tenant_id()}"
        elif table.rows and roll < 0.8:
            where = f"id = {self._quote(table.row_id(rng.randint(1, table.rows)))}"
        else:
            where = f"{col.name} IS NULL" if not col.not_null else f"rowid % {rng.randint(2, 9)} = 0"
        return f"UPDATE {table.name} SET {', '.join(assignments)} WHERE {where}"

    # --- files ---------------------------------------------------------------------------------------

    def migration(self, index: int) -> tuple[str, str]:
        """(file name, text) of migration number index+1."""
        rng = self.rng
        number = index + 1
        statements: list[str] = []
        slug = ""
        if index == 0:
            statements = self.create_tenants()
            slug = "create_tenants"
        elif index in self.create_at:
            sql, table = self.create_table()
            statements.append(sql)
            slug = f"create_{table.name}"
            for _ in range(rng.choice(INDEXES_WITH_NEW_TABLE)):
                statements.append(self.create_index(table))
            if rng.random() < 0.4:
                statements.append(self.insert(table))
        target = rng.choices((1, 2, 3, 4, 5, 6), weights=(30, 25, 18, 12, 9, 6))[0]
        while len(statements) < target:
            kind = rng.choices(self.mix_kinds, weights=self.mix_weights)[0]
            sql: str | None
            if kind == "add_column":
                sql = self.add_column()
            elif kind == "index":
                dense = self.index_density is not None and self.index_count >= self.index_density * len(self.tables)
                sql = None if dense else self.create_index()
            elif kind == "seed":
                sql = self.insert()
            else:
                sql = self.update()
            if sql is None:
                continue
            statements.append(sql)
            if not slug:
                match = _TARGET.search(sql)
                slug = f"{kind}_{match.group(1) if match else 'misc'}"
        slug = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in slug.lower())[:60]
        parts: list[str] = []
        style = rng.random()
        if style < 0.3:
            parts.append(f"-- Migration {number:05d}: {slug.replace('_', ' ')}\n")
        elif style < 0.4:
            parts.append(
                f"/*\n * Migration {number:05d}\n * Generated by benchmarks/generate_stream.py\n */\n"
            )
        for i, sql in enumerate(statements):
            if i and rng.random() < 0.15:
                parts.append(f"\n-- step {i + 1}\n")
            elif i:
                parts.append("\n")
            parts.append(sql + ";\n")
        for sql in statements:
            self.kinds[_kind(sql)] += 1
        return f"{number:05d}_{slug}.sql", "".join(parts)


def _kind(sql: str) -> str:
    words = sql.split(None, 3)
    if words[0] == "ALTER":
        return "ALTER TABLE ADD COLUMN"
    if words[0] == "CREATE":
        return "CREATE TABLE" if words[1] == "TABLE" else "CREATE INDEX"
    return words[0]  # INSERT | UPDATE


def generate(
    out: Path, migrations: int, seed: int = DEFAULT_SEED, shape: str = DEFAULT_SHAPE
) -> tuple[Path, Counter[str]]:
    """Write the stream under out/libs/engine/migrations; return (that directory, statements by kind)."""
    directory = out / MIGRATIONS_SUBDIR
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.glob("*.sql")):
        raise FileExistsError(f"{directory} already holds .sql files; use an empty --out")
    generator = StreamGenerator(migrations, seed, shape)
    for index in range(migrations):
        name, text = generator.migration(index)
        (directory / name).write_text(text, encoding="utf-8")
    (directory / "NEXT_MIGRATION_NUMBER.txt").write_text(f"{migrations + 1:05d}\n", encoding="utf-8")
    return directory, generator.kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--migrations", type=int, default=1000, help="number of migration files (default 1000)")
    parser.add_argument("--out", type=Path, required=True, help="root directory to write (must not hold a stream)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--shape", choices=sorted(SHAPES), default=DEFAULT_SHAPE, help="statement mix (see SHAPES)")
    args = parser.parse_args(argv)
    directory, kinds = generate(args.out, args.migrations, args.seed, args.shape)
    mix = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
    print(f"wrote {args.migrations} migrations, {sum(kinds.values())} statements ({mix}) to {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
