"""The conformance cases: for each apply-time rule, migrations that fail and migrations that pass
in real local D1, with what D1 does (from ../shared/design/D1-FACTS.md, checked by the suite).

Each case uses its own table names, so the cases that succeed can share one database and one
`wrangler d1 migrations apply` (a failing file stops an apply: those run one by one).
A case is `setup` files (which must succeed) then `change` files (the migrations under test).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Outcome(enum.StrEnum):
    FAILS = "fails"
    SUCCEEDS = "succeeds"
    LOSES_ROWS = "succeeds but loses rows"
    NOOP = "succeeds as a no-op"
    NOT_RECORDED = "succeeds but is not recorded"


@dataclass(frozen=True)
class Case:
    id: str  # short, unique, used as the pytest id
    rule: str  # the rule whose verdict this case checks
    summary: str  # the SQL, in a few words, for the docs table
    change: tuple[str, ...]  # the migration files under test
    local: Outcome  # what real local D1 does (wrangler --local): checked against the engine
    setup: tuple[str, ...] = ()  # files applied first; they must succeed
    error: str = ""  # a fragment of D1's error text (cases that fail)
    remote: Outcome | None = None  # remote D1's documented outcome, where it differs from local
    rows: str | None = None  # SQL giving `n`: rows that must survive the change (counted before and after)
    effect: str | None = None  # SQL giving `n` > 0 when the change took effect (0: a silent no-op)
    recorded: bool = False  # check that d1_migrations recorded the change files
    flagged: Outcome = Outcome.FAILS  # what a report of the rule says D1 does
    severity: str = "error"  # the severity at which the rule reports it
    mentions: tuple[str, ...] = ()  # words the rule's message must contain (e.g. the child tables)
    devdb: bool = True  # whether the dev database can model it (not wrangler's own text handling)
    note: str = ""  # for the docs: what this case shows
    facts: str = ""  # where real local D1 contradicts D1-FACTS.md: what D1-FACTS.md says

    @property
    def expected_verdict(self) -> Outcome:
        """What grove-schema must say: remote D1's outcome where it is known to differ."""
        return self.remote if self.remote is not None else self.local

    @property
    def batchable(self) -> bool:
        """Cases that succeed plainly share one database and one apply."""
        return self.local is Outcome.SUCCEEDS and self.rows is None and self.effect is None and not self.recorded


F, S = Outcome.FAILS, Outcome.SUCCEEDS
NOT_NULL_MESSAGE = "Cannot add a NOT NULL column with default value NULL"
NON_CONSTANT_MESSAGE = "Cannot add a column with non-constant default"
TRANSACTION_MESSAGE = "To execute a transaction, please use the state.storage.transaction()"
NOT_AUTHORIZED = "not authorized"


def _table_with_rows(name: str, extra: str = "") -> str:
    return (
        f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, title TEXT{extra});\n"
        f"INSERT INTO {name} (title) VALUES ('a'), ('b'), ('c');\n"
    )


def _parent_child(parent: str, child: str, action: str = "", child_rows: bool = True) -> str:
    on_delete = f" ON DELETE {action}" if action else ""
    text = (
        f"CREATE TABLE {parent} (id INTEGER PRIMARY KEY, name TEXT);\n"
        f"CREATE TABLE {child} (id INTEGER PRIMARY KEY, {parent}_id INTEGER REFERENCES {parent}(id){on_delete});\n"
        f"INSERT INTO {parent} (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three');\n"
    )
    if child_rows:
        text += f"INSERT INTO {child} ({parent}_id) VALUES (1), (2), (3);\n"
    return text


def _rebuild(table: str, defer: bool = True) -> str:
    """The classic SQLite table rebuild: create the new shape, copy, drop the old, rename."""
    return (
        ("PRAGMA defer_foreign_keys = ON;\n" if defer else "")
        + f"CREATE TABLE {table}_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\n"
        + f"INSERT INTO {table}_new (id, name) SELECT id, coalesce(name, '') FROM {table};\n"
        + f"DROP TABLE {table};\n"
        + f"ALTER TABLE {table}_new RENAME TO {table};\n"
    )


def _columns(count: int, prefix: str = "c") -> str:
    return ", ".join(f"{prefix}{i} INTEGER" for i in range(1, count + 1))


def _compound(terms: int) -> str:
    return " UNION ALL ".join(f"SELECT {i}" for i in range(1, terms + 1))


_LONG_TEXT = "x" * 100_010
_PATTERN_50 = "%" + "a" * 48 + "%"
_PATTERN_51 = "%" + "a" * 49 + "%"

CASES: tuple[Case, ...] = (
    # --- add-column-not-null -------------------------------------------------------------------
    Case(
        "add-column-not-null/no-default-rows", "add-column-not-null",
        "ADD COLUMN b TEXT NOT NULL (no default), table has rows",
        setup=(_table_with_rows("anl1"),), change=("ALTER TABLE anl1 ADD COLUMN b TEXT NOT NULL;\n",),
        local=F, error=NOT_NULL_MESSAGE,
    ),
    Case(
        "add-column-not-null/with-default", "add-column-not-null",
        "ADD COLUMN b TEXT NOT NULL DEFAULT '', table has rows",
        setup=(_table_with_rows("anl2"),), change=("ALTER TABLE anl2 ADD COLUMN b TEXT NOT NULL DEFAULT '';\n",),
        local=S,
    ),
    # --- add-column-nonconstant-default --------------------------------------------------------
    Case(
        "add-column-nonconstant-default/current-timestamp", "add-column-nonconstant-default",
        "ADD COLUMN created_at TEXT DEFAULT CURRENT_TIMESTAMP, table has rows",
        setup=(_table_with_rows("anc1"),),
        change=("ALTER TABLE anc1 ADD COLUMN created_at TEXT DEFAULT CURRENT_TIMESTAMP;\n",),
        local=F, error=NON_CONSTANT_MESSAGE,
    ),
    Case(
        "add-column-nonconstant-default/unixepoch", "add-column-nonconstant-default",
        "ADD COLUMN created_at INTEGER DEFAULT (unixepoch()), table has rows",
        setup=(_table_with_rows("anc2"),),
        change=("ALTER TABLE anc2 ADD COLUMN created_at INTEGER DEFAULT (unixepoch());\n",),
        local=F, error=NON_CONSTANT_MESSAGE,
    ),
    Case(
        "add-column-nonconstant-default/datetime-now", "add-column-nonconstant-default",
        "ADD COLUMN created_at TEXT DEFAULT (datetime('now')), table has rows",
        setup=(_table_with_rows("anc3"),),
        change=("ALTER TABLE anc3 ADD COLUMN created_at TEXT DEFAULT (datetime('now'));\n",),
        local=F, error=NON_CONSTANT_MESSAGE,
    ),
    Case(
        "add-column-nonconstant-default/constant", "add-column-nonconstant-default",
        "ADD COLUMN created_at INTEGER DEFAULT 0 and a (-1) default, table has rows",
        setup=(_table_with_rows("anc4"),),
        change=(
            "ALTER TABLE anc4 ADD COLUMN created_at INTEGER DEFAULT 0;\n"
            "ALTER TABLE anc4 ADD COLUMN score INTEGER DEFAULT (-1);\n",
        ),
        local=S,
    ),
    # --- add-column-constraint -----------------------------------------------------------------
    Case(
        "add-column-constraint/unique", "add-column-constraint",
        "ADD COLUMN email TEXT UNIQUE",
        setup=(_table_with_rows("acc1"),), change=("ALTER TABLE acc1 ADD COLUMN email TEXT UNIQUE;\n",),
        local=F, error="Cannot add a UNIQUE column",
    ),
    Case(
        "add-column-constraint/primary-key", "add-column-constraint",
        "ADD COLUMN code INTEGER PRIMARY KEY",
        setup=(_table_with_rows("acc2"),), change=("ALTER TABLE acc2 ADD COLUMN code INTEGER PRIMARY KEY;\n",),
        local=F, error="Cannot add a PRIMARY KEY column",
    ),
    Case(
        "add-column-constraint/stored", "add-column-constraint",
        "ADD COLUMN t2 TEXT AS (title || '!') STORED, table has rows",
        setup=(_table_with_rows("acc3"),),
        change=("ALTER TABLE acc3 ADD COLUMN t2 TEXT GENERATED ALWAYS AS (title || '!') STORED;\n",),
        local=F, error="cannot add a STORED column",
    ),
    Case(
        "add-column-constraint/references-default", "add-column-constraint",
        "ADD COLUMN p_id INTEGER REFERENCES p(id) DEFAULT 1, table has rows",
        setup=(
            "CREATE TABLE acc4p (id INTEGER PRIMARY KEY);\nINSERT INTO acc4p (id) VALUES (1);\n"
            + _table_with_rows("acc4"),
        ),
        change=("ALTER TABLE acc4 ADD COLUMN p_id INTEGER DEFAULT 1 REFERENCES acc4p(id);\n",),
        local=F, error="Cannot add a REFERENCES column with non-NULL default value",
    ),
    Case(
        "add-column-constraint/references-null", "add-column-constraint",
        "ADD COLUMN p_id INTEGER REFERENCES p(id) (NULL default), table has rows",
        setup=("CREATE TABLE acc5p (id INTEGER PRIMARY KEY);\n" + _table_with_rows("acc5"),),
        change=("ALTER TABLE acc5 ADD COLUMN p_id INTEGER REFERENCES acc5p(id);\n",),
        local=S,
    ),
    Case(
        "add-column-constraint/virtual", "add-column-constraint",
        "ADD COLUMN t2 TEXT AS (title || '!') VIRTUAL and a CHECK column, table has rows",
        setup=(_table_with_rows("acc6"),),
        change=(
            "ALTER TABLE acc6 ADD COLUMN t2 TEXT GENERATED ALWAYS AS (title || '!') VIRTUAL;\n"
            "ALTER TABLE acc6 ADD COLUMN n INTEGER CHECK (n IS NULL OR n > 0);\n",
        ),
        local=S,
    ),
    # --- drop-column-dependency ----------------------------------------------------------------
    Case(
        "drop-column-dependency/index", "drop-column-dependency",
        "DROP COLUMN c, which an index uses",
        setup=("CREATE TABLE dcd1 (id INTEGER PRIMARY KEY, c TEXT);\nCREATE INDEX dcd1_c ON dcd1 (c);\n",),
        change=("ALTER TABLE dcd1 DROP COLUMN c;\n",),
        local=F, error="error in index dcd1_c after drop column", mentions=("dcd1_c",),
    ),
    Case(
        "drop-column-dependency/partial-index", "drop-column-dependency",
        "DROP COLUMN c, used in a partial index's WHERE",
        setup=(
            "CREATE TABLE dcd2 (id INTEGER PRIMARY KEY, a TEXT, c TEXT);\n"
            "CREATE INDEX dcd2_a ON dcd2 (a) WHERE c IS NOT NULL;\n",
        ),
        change=("ALTER TABLE dcd2 DROP COLUMN c;\n",),
        local=F, error="after drop column", mentions=("dcd2_a",),
    ),
    Case(
        "drop-column-dependency/expression-index", "drop-column-dependency",
        "DROP COLUMN c, used in an expression index",
        setup=("CREATE TABLE dcd3 (id INTEGER PRIMARY KEY, c TEXT);\nCREATE INDEX dcd3_l ON dcd3 (lower(c));\n",),
        change=("ALTER TABLE dcd3 DROP COLUMN c;\n",),
        local=F, error="after drop column", mentions=("dcd3_l",),
    ),
    Case(
        "drop-column-dependency/unique", "drop-column-dependency",
        "DROP COLUMN email, declared UNIQUE",
        setup=("CREATE TABLE dcd4 (id INTEGER PRIMARY KEY, email TEXT UNIQUE);\n",),
        change=("ALTER TABLE dcd4 DROP COLUMN email;\n",),
        local=F, error="cannot drop UNIQUE column",
    ),
    Case(
        "drop-column-dependency/view", "drop-column-dependency",
        "DROP COLUMN c, which a view selects",
        setup=("CREATE TABLE dcd5 (id INTEGER PRIMARY KEY, c TEXT);\nCREATE VIEW dcd5_v AS SELECT id, c FROM dcd5;\n",),
        change=("ALTER TABLE dcd5 DROP COLUMN c;\n",),
        local=F, error="after drop column", mentions=("dcd5_v",),
    ),
    Case(
        "drop-column-dependency/trigger", "drop-column-dependency",
        "DROP COLUMN c, which a trigger body uses",
        setup=(
            "CREATE TABLE dcd6 (id INTEGER PRIMARY KEY, c TEXT);\n"
            "CREATE TABLE dcd6_log (v TEXT);\n"
            "CREATE TRIGGER dcd6_t AFTER INSERT ON dcd6 BEGIN INSERT INTO dcd6_log (v) VALUES (new.c); END;\n",
        ),
        change=("ALTER TABLE dcd6 DROP COLUMN c;\n",),
        local=F, error="after drop column", mentions=("dcd6_t",),
    ),
    Case(
        "drop-column-dependency/table-foreign-key", "drop-column-dependency",
        "DROP COLUMN p_id, in a table-level FOREIGN KEY",
        setup=(
            "CREATE TABLE dcd7p (id INTEGER PRIMARY KEY);\n"
            "CREATE TABLE dcd7 (id INTEGER PRIMARY KEY, p_id INTEGER, FOREIGN KEY (p_id) REFERENCES dcd7p(id));\n",
        ),
        change=("ALTER TABLE dcd7 DROP COLUMN p_id;\n",),
        local=F, error="after drop column",
    ),
    Case(
        "drop-column-dependency/index-dropped-first", "drop-column-dependency",
        "DROP INDEX, then DROP COLUMN c",
        setup=("CREATE TABLE dcd8 (id INTEGER PRIMARY KEY, c TEXT);\nCREATE INDEX dcd8_c ON dcd8 (c);\n",),
        change=("DROP INDEX dcd8_c;\nALTER TABLE dcd8 DROP COLUMN c;\n",),
        local=S,
    ),
    Case(
        "drop-column-dependency/column-references", "drop-column-dependency",
        "DROP COLUMN p_id, a column-level REFERENCES (dropped with the column)",
        setup=(
            "CREATE TABLE dcd9p (id INTEGER PRIMARY KEY);\n"
            "CREATE TABLE dcd9 (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES dcd9p(id));\n",
        ),
        change=("ALTER TABLE dcd9 DROP COLUMN p_id;\n",),
        local=S,
    ),
    # --- drop-referenced-table -----------------------------------------------------------------
    Case(
        "drop-referenced-table/rebuild-cascade", "drop-referenced-table",
        "rebuild (create new, copy, DROP TABLE, rename) of a parent with ON DELETE CASCADE children",
        setup=(_parent_child("drt1", "drt1_child", "CASCADE"),), change=(_rebuild("drt1"),),
        local=Outcome.LOSES_ROWS, rows="SELECT count(*) AS n FROM drt1_child",
        flagged=Outcome.LOSES_ROWS, mentions=("drt1_child",),
    ),
    Case(
        "drop-referenced-table/drop-cascade", "drop-referenced-table",
        "DROP TABLE of a parent with ON DELETE CASCADE children",
        setup=(_parent_child("drt2", "drt2_child", "CASCADE"),), change=("DROP TABLE drt2;\n",),
        local=Outcome.LOSES_ROWS, rows="SELECT count(*) AS n FROM drt2_child",
        flagged=Outcome.LOSES_ROWS, mentions=("drt2_child",),
    ),
    Case(
        "drop-referenced-table/rebuild-set-null", "drop-referenced-table",
        "rebuild of a parent with ON DELETE SET NULL children (rows counted: children with a parent)",
        setup=(_parent_child("drt3", "drt3_child", "SET NULL"),), change=(_rebuild("drt3"),),
        local=Outcome.LOSES_ROWS, rows="SELECT count(*) AS n FROM drt3_child WHERE drt3_id IS NOT NULL",
        flagged=Outcome.LOSES_ROWS, mentions=("drt3_child",),
    ),
    Case(
        "drop-referenced-table/rebuild-no-action", "drop-referenced-table",
        "rebuild (with defer_foreign_keys) of a parent with no-action children that have rows",
        setup=(_parent_child("drt4", "drt4_child"),), change=(_rebuild("drt4"),),
        local=F, error="FOREIGN KEY constraint failed", mentions=("drt4_child",),
    ),
    Case(
        "drop-referenced-table/drop-no-action", "drop-referenced-table",
        "DROP TABLE of a parent with no-action children that have rows",
        setup=(_parent_child("drt5", "drt5_child"),), change=("DROP TABLE drt5;\n",),
        local=F, error="FOREIGN KEY constraint failed", mentions=("drt5_child",),
    ),
    Case(
        "drop-referenced-table/child-dropped-next", "drop-referenced-table",
        "DROP TABLE of a parent with ON DELETE CASCADE children, then DROP TABLE of the child",
        setup=(_parent_child("drt7", "drt7_child", "CASCADE"),),
        change=("DROP TABLE drt7;\nDROP TABLE drt7_child;\n",),
        local=S, note="the cascade takes nothing the child's own DROP would not: no drop-referenced-table",
    ),
    Case(
        "drop-referenced-table/children-backed-up", "drop-referenced-table",
        "children copied aside and dropped, parent rebuilt, children recreated and restored",
        setup=(_parent_child("drt8", "drt8_child", "CASCADE"),),
        change=(
            "CREATE TABLE drt8_backup AS SELECT * FROM drt8_child;\nDROP TABLE drt8_child;\n"
            + _rebuild("drt8", defer=False)
            + "CREATE TABLE drt8_child (id INTEGER PRIMARY KEY,\n"
            "  drt8_id INTEGER REFERENCES drt8(id) ON DELETE CASCADE);\n"
            "INSERT INTO drt8_child SELECT * FROM drt8_backup;\nDROP TABLE drt8_backup;\n",
        ),
        local=S, rows="SELECT count(*) AS n FROM drt8_child",
        note="GS405's own fix: every child row survives, and the rule says nothing",
    ),
    Case(
        "drop-referenced-table/no-children", "drop-referenced-table",
        "rebuild of a table nobody references, and DROP TABLE of another",
        setup=(
            "CREATE TABLE drt6 (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO drt6 (name) VALUES ('a');\n"
            "CREATE TABLE drt6_gone (id INTEGER PRIMARY KEY);\n",
        ),
        change=(_rebuild("drt6", defer=False) + "DROP TABLE drt6_gone;\n",),
        local=S,
    ),
    # --- rename-referenced-table ---------------------------------------------------------------
    Case(
        "rename-referenced-table/rename-copy-drop", "rename-referenced-table",
        "RENAME parent TO parent_old, create parent, copy, DROP parent_old; then insert a child",
        setup=(_parent_child("rrt1", "rrt1_child", child_rows=False),),
        change=(
            "ALTER TABLE rrt1 RENAME TO rrt1_old;\n"
            "CREATE TABLE rrt1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\n"
            "INSERT INTO rrt1 (id, name) SELECT id, coalesce(name, '') FROM rrt1_old;\n"
            "DROP TABLE rrt1_old;\n",
            "INSERT INTO rrt1_child (rrt1_id) VALUES (1);\n",
        ),
        local=F, error="no such table: main.rrt1_old", mentions=("rrt1_child",),
    ),
    Case(
        "rename-referenced-table/unreferenced", "rename-referenced-table",
        "RENAME a table nobody references (and a child table); then insert",
        setup=(
            "CREATE TABLE rrt2 (id INTEGER PRIMARY KEY);\n" + _parent_child("rrt3", "rrt3_child", child_rows=False),
        ),
        change=(
            "ALTER TABLE rrt2 RENAME TO rrt2_renamed;\nALTER TABLE rrt3_child RENAME TO rrt3_kids;\n",
            "INSERT INTO rrt2_renamed (id) VALUES (1);\nINSERT INTO rrt3_kids (rrt3_id) VALUES (1);\n",
        ),
        local=S,
    ),
    # --- pragma-foreign-keys -------------------------------------------------------------------
    Case(
        "pragma-foreign-keys/off", "pragma-foreign-keys",
        "PRAGMA foreign_keys = OFF, then insert a child with no parent",
        setup=(_parent_child("pfk1", "pfk1_child", child_rows=False),),
        change=("PRAGMA foreign_keys = OFF;\nINSERT INTO pfk1_child (pfk1_id) VALUES (999);\n",),
        local=F, error="FOREIGN KEY constraint failed",
        note="the PRAGMA has no effect: foreign keys stay enforced",
    ),
    Case(
        "pragma-foreign-keys/defer", "pragma-foreign-keys",
        "PRAGMA defer_foreign_keys = ON; insert the child before its parent",
        setup=(_parent_child("pfk2", "pfk2_child", child_rows=False),),
        change=(
            "PRAGMA defer_foreign_keys = ON;\n"
            "INSERT INTO pfk2_child (pfk2_id) VALUES (9);\nINSERT INTO pfk2 (id, name) VALUES (9, 'nine');\n",
        ),
        local=S,
    ),
    # --- pragma-not-allowed --------------------------------------------------------------------
    Case(
        "pragma-not-allowed/journal-mode", "pragma-not-allowed", "PRAGMA journal_mode = WAL",
        change=("PRAGMA journal_mode = WAL;\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "pragma-not-allowed/user-version", "pragma-not-allowed", "PRAGMA user_version = 3",
        change=("PRAGMA user_version = 3;\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "pragma-not-allowed/page-size", "pragma-not-allowed", "PRAGMA page_size (a read)",
        change=("PRAGMA page_size;\n",), local=F, error=NOT_AUTHORIZED,
        facts="the PRAGMA allow-list includes page_size (read)",
    ),
    Case(
        "pragma-not-allowed/allowed", "pragma-not-allowed",
        "PRAGMA defer_foreign_keys = ON, PRAGMA table_info(t), PRAGMA optimize",
        setup=("CREATE TABLE pna1 (id INTEGER PRIMARY KEY);\n",),
        change=("PRAGMA defer_foreign_keys = ON;\nPRAGMA table_info(pna1);\nPRAGMA optimize;\n",),
        local=S,
    ),
    # --- explicit-transaction ------------------------------------------------------------------
    Case(
        "explicit-transaction/begin-transaction-exact", "explicit-transaction",
        "`BEGIN TRANSACTION;` ... `COMMIT;` (exact text)",
        change=("BEGIN TRANSACTION;\nCREATE TABLE etx1 (id INTEGER PRIMARY KEY);\nCOMMIT;\n",),
        local=S, remote=F, devdb=True,
        note="local wrangler strips the exact text `BEGIN TRANSACTION;` and `COMMIT;`; remote D1 refuses it "
        "(documented): the rule follows remote D1",
    ),
    Case(
        "explicit-transaction/begin", "explicit-transaction", "`BEGIN;` ... `COMMIT;`",
        change=("BEGIN;\nCREATE TABLE etx2 (id INTEGER PRIMARY KEY);\nCOMMIT;\n",),
        local=F, error=TRANSACTION_MESSAGE,
    ),
    Case(
        "explicit-transaction/begin-transaction-lowercase", "explicit-transaction",
        "`begin transaction;` ... `commit;` (lower case: not stripped)",
        change=("begin transaction;\nCREATE TABLE etx3 (id INTEGER PRIMARY KEY);\ncommit;\n",),
        local=F, error=TRANSACTION_MESSAGE,
    ),
    Case(
        "explicit-transaction/savepoint", "explicit-transaction", "SAVEPOINT s; ... RELEASE s;",
        change=("SAVEPOINT s1;\nCREATE TABLE etx4 (id INTEGER PRIMARY KEY);\nRELEASE s1;\n",),
        local=F, error=TRANSACTION_MESSAGE,
    ),
    Case(
        "explicit-transaction/none", "explicit-transaction",
        "no transaction statements (a trigger's BEGIN ... END body, a column named `commit_sha`)",
        change=(
            "CREATE TABLE etx5 (id INTEGER PRIMARY KEY, commit_sha TEXT, updated INTEGER);\n"
            "CREATE TRIGGER etx5_touch AFTER UPDATE OF commit_sha ON etx5 BEGIN\n"
            "  UPDATE etx5 SET updated = 1 WHERE id = new.id;\nEND;\n",
        ),
        local=S,
    ),
    # --- attach-or-vacuum ----------------------------------------------------------------------
    Case(
        "attach-or-vacuum/attach", "attach-or-vacuum", "ATTACH DATABASE 'other.db' AS other",
        change=("ATTACH DATABASE 'other.db' AS other;\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "attach-or-vacuum/vacuum", "attach-or-vacuum", "VACUUM",
        change=("VACUUM;\n",), local=F, error="VACUUM",
    ),
    Case(
        "attach-or-vacuum/names", "attach-or-vacuum", "a table `attachments` with a column `vacuumed_at`",
        change=("CREATE TABLE attachments (id INTEGER PRIMARY KEY, vacuumed_at TEXT);\n",), local=S,
    ),
    # --- temp-object ---------------------------------------------------------------------------
    Case(
        "temp-object/temp-table", "temp-object", "CREATE TEMP TABLE",
        change=("CREATE TEMP TABLE tmp1 (id INTEGER PRIMARY KEY);\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "temp-object/temp-schema", "temp-object", "CREATE TABLE temp.x",
        change=("CREATE TABLE temp.tmp2 (id INTEGER PRIMARY KEY);\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "temp-object/temp-view", "temp-object", "CREATE TEMPORARY VIEW",
        setup=("CREATE TABLE tmp3 (id INTEGER PRIMARY KEY);\n",),
        change=("CREATE TEMPORARY VIEW tmp3_v AS SELECT id FROM tmp3;\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "temp-object/names", "temp-object", "a table `temp_readings` with a column `temperature`",
        change=("CREATE TABLE temp_readings (id INTEGER PRIMARY KEY, temperature REAL);\n",), local=S,
    ),
    # --- reserved-name -------------------------------------------------------------------------
    Case(
        "reserved-name/cf-table", "reserved-name", "CREATE TABLE _cf_settings",
        change=("CREATE TABLE _cf_settings (id INTEGER PRIMARY KEY);\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "reserved-name/cf-upper-case", "reserved-name", "CREATE TABLE _CF_Settings2 (upper-case prefix)",
        change=("CREATE TABLE _CF_Settings2 (id INTEGER PRIMARY KEY);\n",), local=S,
        note="workerd reserves the prefix case-sensitively: only lower-case `_cf_` is refused",
        facts="`_cf_`-prefixed names (any case) are reserved",
    ),
    Case(
        "reserved-name/cf-index", "reserved-name", "CREATE INDEX _cf_idx ON t (a)",
        setup=("CREATE TABLE rsn1 (id INTEGER PRIMARY KEY, a TEXT);\n",),
        change=("CREATE INDEX _cf_idx ON rsn1 (a);\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "reserved-name/sqlite-table", "reserved-name", "CREATE TABLE sqlite_stats",
        change=("CREATE TABLE sqlite_stats (id INTEGER PRIMARY KEY);\n",), local=F,
        error="reserved for internal use",
    ),
    Case(
        "reserved-name/sqlite-upper-case", "reserved-name", "CREATE TABLE SQLITE_X (SQLite's own check, any case)",
        change=("CREATE TABLE SQLITE_X (id INTEGER PRIMARY KEY);\n",), local=F, error="reserved for internal use",
    ),
    Case(
        "reserved-name/cf-column", "reserved-name", "a column named `_cf_flag` in an ordinary table",
        change=(
            "CREATE TABLE rsn2 (id INTEGER PRIMARY KEY, _cf_flag INTEGER);\n"
            "INSERT INTO rsn2 (_cf_flag) VALUES (1);\n",
        ),
        local=S,
    ),
    Case(
        "reserved-name/near-miss", "reserved-name", "tables `cf_settings` and `my_sqlite_stats`",
        change=("CREATE TABLE cf_settings (id INTEGER PRIMARY KEY);\nCREATE TABLE my_sqlite_stats (id INTEGER);\n",),
        local=S,
    ),
    # --- virtual-table-module ------------------------------------------------------------------
    Case(
        "virtual-table-module/fts5", "virtual-table-module", "CREATE VIRTUAL TABLE ... USING fts5 (and fts5vocab)",
        change=(
            "CREATE VIRTUAL TABLE vtm1 USING fts5(body);\n"
            "INSERT INTO vtm1 (body) VALUES ('hello world');\n"
            "CREATE VIRTUAL TABLE vtm1_vocab USING fts5vocab(vtm1, 'row');\n",
        ),
        local=S,
    ),
    Case(
        "virtual-table-module/fts4", "virtual-table-module", "CREATE VIRTUAL TABLE ... USING fts4",
        change=("CREATE VIRTUAL TABLE vtm2 USING fts4(body);\n",), local=F, error=NOT_AUTHORIZED,
    ),
    Case(
        "virtual-table-module/rtree", "virtual-table-module", "CREATE VIRTUAL TABLE ... USING rtree",
        change=("CREATE VIRTUAL TABLE vtm3 USING rtree(id, min_x, max_x);\n",), local=F, error=NOT_AUTHORIZED,
        note="refused with SQLITE_AUTH; most likely because rtree's constructor reads `PRAGMA page_size`, "
        "which real local D1 refuses too (`pragma-not-allowed/page-size`); SQLite's own rtree in the dev "
        "database fails the same way",
        facts="rtree and rtree_i32 are allowed modules (workerd source)",
    ),
    Case(
        "virtual-table-module/rtree-i32", "virtual-table-module", "CREATE VIRTUAL TABLE ... USING rtree_i32",
        change=("CREATE VIRTUAL TABLE vtm4 USING rtree_i32(id, min_x, max_x);\n",), local=F, error=NOT_AUTHORIZED,
        facts="rtree and rtree_i32 are allowed modules (workerd source)",
    ),
    # --- function-not-allowed ------------------------------------------------------------------
    Case(
        "function-not-allowed/sqlite-version", "function-not-allowed", "INSERT ... SELECT sqlite_version()",
        setup=("CREATE TABLE fna1 (v TEXT);\n",), change=("INSERT INTO fna1 (v) SELECT sqlite_version();\n",),
        local=F, error="not authorized to use function",
    ),
    Case(
        "function-not-allowed/allowed", "function-not-allowed",
        "INSERT ... SELECT upper(), datetime('now'), json_extract(), unixepoch()",
        setup=("CREATE TABLE fna2 (v TEXT, j TEXT, n INTEGER);\n",),
        change=(
            "INSERT INTO fna2 (v, j, n) SELECT upper('x') || datetime('now'), "
            "json_extract('{\"a\": 1}', '$.a'), unixepoch();\n",
        ),
        local=S,
    ),
    # --- too-many-columns ----------------------------------------------------------------------
    Case(
        "too-many-columns/create-101", "too-many-columns", "CREATE TABLE with 101 columns",
        change=(f"CREATE TABLE tmc1 ({_columns(101)});\n",), local=F, error="too many columns",
    ),
    Case(
        "too-many-columns/add-101st", "too-many-columns", "ADD COLUMN to a table of 100 columns",
        setup=(f"CREATE TABLE tmc2 ({_columns(100)});\n",), change=("ALTER TABLE tmc2 ADD COLUMN extra INTEGER;\n",),
        local=F, error="too many columns",
    ),
    Case(
        "too-many-columns/create-100", "too-many-columns", "CREATE TABLE with 100 columns",
        change=(f"CREATE TABLE tmc3 ({_columns(100)});\n",), local=S,
    ),
    # --- statement-too-long --------------------------------------------------------------------
    Case(
        "statement-too-long/over-100000", "statement-too-long", "one INSERT of 100,052 bytes",
        setup=("CREATE TABLE stl1 (v TEXT);\n",), change=(f"INSERT INTO stl1 (v) VALUES ('{_LONG_TEXT}');\n",),
        local=F, error="SQLITE_TOOBIG",
    ),
    Case(
        "statement-too-long/long-file", "statement-too-long",
        "a 150,000-byte file of 3 INSERTs of 50,000 bytes each",
        setup=("CREATE TABLE stl2 (v TEXT);\n",),
        change=("".join(f"INSERT INTO stl2 (v) VALUES ('{'y' * 49_970}');\n" for _ in range(3)),),
        local=S,
    ),
    # --- value length (SQLITE_LIMIT_LENGTH): measured, D1's limits page says 1,000,000 then 2,000,000 ----
    Case(
        "value-length/blob-2200000", "sqlite-error", "SELECT length(zeroblob(2200000)) into a row",
        setup=("CREATE TABLE vl1 (n INTEGER);\n",), change=("INSERT INTO vl1 SELECT length(zeroblob(2200000));\n",),
        local=S, note="a value of 2,200,000 bytes is accepted (workerd's limit, not the 2,000,000 of D1's limits page)",
    ),
    Case(
        "value-length/blob-2200001", "sqlite-error", "SELECT length(zeroblob(2200001))",
        setup=("CREATE TABLE vl2 (n INTEGER);\n",), change=("INSERT INTO vl2 SELECT length(zeroblob(2200001));\n",),
        local=F, error="string or blob too big",
    ),
    Case(
        "value-length/row-2199995", "sqlite-error", "INSERT a row of one zeroblob(2199995)",
        setup=("CREATE TABLE vl3 (b BLOB);\n",), change=("INSERT INTO vl3 VALUES (zeroblob(2199995));\n",),
        local=S, note="with its record header the row is 2,200,000 bytes: the limit applies to rows too",
    ),
    Case(
        "value-length/row-2199996", "sqlite-error", "INSERT a row of one zeroblob(2199996)",
        setup=("CREATE TABLE vl4 (b BLOB);\n",), change=("INSERT INTO vl4 VALUES (zeroblob(2199996));\n",),
        local=F, error="string or blob too big",
    ),
    # --- transaction-rolled-back: SQLite's own ROLLBACK inside the file's transaction -----------
    Case(
        "transaction-rolled-back/insert-or-rollback", "transaction-rolled-back",
        "INSERT OR ROLLBACK that hits the primary key",
        setup=("CREATE TABLE trb1 (id INTEGER PRIMARY KEY);\nINSERT INTO trb1 VALUES (1);\n",),
        change=("CREATE TABLE trb1_made (id INTEGER);\nINSERT OR ROLLBACK INTO trb1 VALUES (1);\n",),
        local=F, error="internal error",
        note="D1 fails the file with `internal error; reference = ...` and rolls all of it back",
    ),
    Case(
        "transaction-rolled-back/on-conflict-rollback", "transaction-rolled-back",
        "a conflicting INSERT into a column declared UNIQUE ON CONFLICT ROLLBACK",
        setup=("CREATE TABLE trb2 (id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT ROLLBACK);\n"
               "INSERT INTO trb2 VALUES (1, 'x');\n",),
        change=("INSERT INTO trb2 VALUES (2, 'x');\n",), local=F, error="internal error",
    ),
    Case(
        "transaction-rolled-back/raise-rollback", "transaction-rolled-back",
        "an INSERT whose trigger calls RAISE(ROLLBACK, ...)",
        setup=("CREATE TABLE trb3 (id INTEGER PRIMARY KEY);\n"
               "CREATE TRIGGER trb3_no BEFORE INSERT ON trb3 BEGIN SELECT RAISE(ROLLBACK, 'nope'); END;\n",),
        change=("INSERT INTO trb3 VALUES (1);\n",), local=F, error="internal error",
    ),
    Case(
        "transaction-rolled-back/no-conflict", "transaction-rolled-back",
        "INSERT OR ROLLBACK without a conflict",
        setup=("CREATE TABLE trb4 (id INTEGER PRIMARY KEY);\n",),
        change=("INSERT OR ROLLBACK INTO trb4 VALUES (1);\n",), local=S,
    ),
    # --- compound-select-limit -----------------------------------------------------------------
    Case(
        "compound-select-limit/six-terms", "compound-select-limit", "INSERT ... SELECT with 6 UNION ALL terms",
        setup=("CREATE TABLE csl1 (v INTEGER);\n",), change=(f"INSERT INTO csl1 (v) {_compound(6)};\n",),
        local=F, error="too many terms in compound SELECT",
    ),
    Case(
        "compound-select-limit/five-terms", "compound-select-limit",
        "INSERT ... SELECT with 5 UNION ALL terms; INSERT ... VALUES with 12 rows",
        setup=("CREATE TABLE csl2 (v INTEGER);\n",),
        change=(
            f"INSERT INTO csl2 (v) {_compound(5)};\n"
            "INSERT INTO csl2 (v) VALUES " + ", ".join(f"({i})" for i in range(12)) + ";\n",
        ),
        local=S,
    ),
    # --- like-pattern-too-long -----------------------------------------------------------------
    Case(
        "like-pattern-too-long/51-bytes", "like-pattern-too-long", "a LIKE pattern of 51 bytes (evaluated)",
        setup=("CREATE TABLE lpt1 (v TEXT);\nINSERT INTO lpt1 (v) VALUES ('b');\n",),
        change=(f"DELETE FROM lpt1 WHERE v LIKE '{_PATTERN_51}';\n",),
        local=F, error="LIKE or GLOB pattern too complex",
    ),
    Case(
        "like-pattern-too-long/50-bytes", "like-pattern-too-long", "a LIKE pattern of 50 bytes (evaluated)",
        setup=("CREATE TABLE lpt2 (v TEXT);\nINSERT INTO lpt2 (v) VALUES ('b');\n",),
        change=(f"DELETE FROM lpt2 WHERE v LIKE '{_PATTERN_50}';\n",),
        local=S,
    ),
    # --- if-not-exists-noop --------------------------------------------------------------------
    Case(
        "if-not-exists-noop/index-on-other-table", "if-not-exists-noop",
        "CREATE INDEX IF NOT EXISTS ix ON t2, when ix exists on t1",
        setup=(
            "CREATE TABLE ine1 (a TEXT);\nCREATE TABLE ine2 (b TEXT);\nCREATE INDEX ine_ix ON ine1 (a);\n",
        ),
        change=("CREATE INDEX IF NOT EXISTS ine_ix ON ine2 (b);\n",),
        local=Outcome.NOOP, flagged=Outcome.NOOP, severity="warning",
        effect="SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'ine_ix' AND tbl_name = 'ine2'",
    ),
    Case(
        "if-not-exists-noop/table-other-shape", "if-not-exists-noop",
        "CREATE TABLE IF NOT EXISTS t (a, b), when t (a) exists",
        setup=("CREATE TABLE ine3 (a TEXT);\n",), change=("CREATE TABLE IF NOT EXISTS ine3 (a TEXT, b TEXT);\n",),
        local=Outcome.NOOP, flagged=Outcome.NOOP, severity="warning",
        effect="SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'ine3' AND sql LIKE '%b TEXT%'",
    ),
    Case(
        "if-not-exists-noop/new-index", "if-not-exists-noop",
        "CREATE INDEX IF NOT EXISTS with a new name; CREATE TABLE IF NOT EXISTS of the same shape",
        setup=("CREATE TABLE ine4 (a TEXT);\nCREATE TABLE ine5 (b TEXT);\n",),
        change=("CREATE INDEX IF NOT EXISTS ine4_ix ON ine4 (a);\nCREATE TABLE IF NOT EXISTS ine5 (b TEXT);\n",),
        local=S, severity="warning",
        effect="SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'ine4_ix'",
    ),
    # --- missing-semicolon / unterminated-comment (wrangler's bookkeeping INSERT) ---------------
    Case(
        "missing-semicolon/last-statement", "missing-semicolon", "last statement without `;`",
        change=("CREATE TABLE msc1 (id INTEGER PRIMARY KEY)\n",), local=F, error='near "INSERT": syntax error',
        devdb=False, note="wrangler appends `INSERT INTO d1_migrations ...` to the file text",
    ),
    Case(
        "missing-semicolon/terminated", "missing-semicolon", "last statement with `;`, then a comment",
        change=("CREATE TABLE msc2 (id INTEGER PRIMARY KEY);\n-- the end\n",), local=S,
    ),
    Case(
        "unterminated-comment/open", "unterminated-comment", "a `/*` comment never closed at the end of the file",
        change=("CREATE TABLE utc1 (id INTEGER PRIMARY KEY);\n/* to do: more columns\n",),
        local=Outcome.NOT_RECORDED, flagged=Outcome.NOT_RECORDED, recorded=True, devdb=False,
        note="the comment swallows wrangler's `INSERT INTO d1_migrations`: the file runs but is not recorded",
    ),
    Case(
        "unterminated-comment/closed", "unterminated-comment", "a `/* ... */` comment at the end of the file",
        change=("CREATE TABLE utc2 (id INTEGER PRIMARY KEY);\n/* to do: more columns */\n",),
        local=S, recorded=True,
    ),
)  # fmt: skip

BY_ID = {case.id: case for case in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"
