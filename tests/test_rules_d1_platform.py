"""D1's platform rules (GS407-GS414), run through the replay against the D1-profile dev database.

Each rule: failing examples (the finding, its severity and line, and no `sqlite-error` repeating
what the rule explains) and passing ones (no finding, and the dev database agrees)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grove_schema import d1
from grove_schema.discovery import discover_stream
from grove_schema.findings import Finding, Severity
from grove_schema.replay import LintSettings, Replayer, ReplayOptions, StreamReplay
from grove_schema.rules import ALL_RULES
from grove_schema.rules.d1_platform import RULES, _disallowed_calls, _Fragment
from grove_schema.sources import read_migration

from .conftest import EXAMPLE_MIGRATIONS
from .replaying import found, lint, replay_files

MY_RULES = {rule.name for rule in RULES}
TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, j TEXT);\n"


def mine(result: StreamReplay) -> list[Finding]:
    return [f for f in result.findings if f.name in MY_RULES]


def line(finding: Finding) -> int:
    assert finding.location is not None
    return finding.location.line


def only(result: StreamReplay, rule: str) -> Finding:
    """The one finding of `rule`; nothing else, so no sqlite-error or parse-error repeats it."""
    findings = found(result, rule)
    assert len(findings) == 1, [f"{f.name}: {f.message}" for f in result.findings]
    others = [f"{f.name}: {f.message}" for f in result.findings if f.name != rule]
    assert others == []
    return findings[0]


def clean(result: StreamReplay) -> None:
    assert [f"{f.name}: {f.message}" for f in result.findings] == []


# --- GS407 pragma-foreign-keys ------------------------------------------------------------------


def test_pragma_foreign_keys_off_has_no_effect_and_says_to_defer() -> None:
    result = lint(TABLE + "PRAGMA foreign_keys = OFF;\nINSERT INTO t (a) VALUES ('x');\n")
    finding = only(result, "pragma-foreign-keys")
    assert finding.severity is Severity.WARNING and line(finding) == 2  # what it was for fails on its own
    assert "no effect in D1" in finding.message
    assert "PRAGMA defer_foreign_keys = ON" in finding.message
    assert "ON DELETE CASCADE and SET NULL still fire" in finding.message
    assert (finding.fix or "").startswith("remove it")


def test_pragma_foreign_keys_off_is_an_error_in_a_file_that_relies_on_it() -> None:
    parent = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));\n"
    )
    result = lint(parent + "PRAGMA foreign_keys = OFF;\nINSERT INTO c (p_id) VALUES (999);\n")
    (finding,) = found(result, "pragma-foreign-keys")
    assert [line(f) for f in found(result, "sqlite-error")] == [4]  # the statement that fails, as before
    assert finding.severity is Severity.ERROR and line(finding) == 3
    assert "this file relies on it: line 4 fails with FOREIGN KEY constraint failed" in finding.message
    deferred = lint(
        parent + "PRAGMA foreign_keys = OFF;\nPRAGMA defer_foreign_keys = ON;\nINSERT INTO c (p_id) VALUES (999);\n"
    )
    (finding,) = found(deferred, "pragma-foreign-keys")
    assert finding.severity is Severity.ERROR and "when D1 commits it" in finding.message


@pytest.mark.parametrize("value", ["ON", "1", "true", "yes"])
def test_pragma_foreign_keys_on_is_a_no_op(value: str) -> None:
    finding = only(lint(f"PRAGMA foreign_keys = {value};\n"), "pragma-foreign-keys")
    assert finding.severity is Severity.INFO  # harmless: what D1 does anyway
    assert "no effect in D1" in finding.message and finding.fix == "remove it"


def test_pragma_foreign_keys_with_a_refused_value_is_one_finding() -> None:
    # The dev database refuses `= maybe`; this rule explains it (pragma-not-allowed stays silent).
    finding = only(lint("PRAGMA foreign_keys = maybe;\n"), "pragma-foreign-keys")
    assert finding.severity is Severity.ERROR
    assert 'SQLite: "not authorized: D1 does not allow PRAGMA foreign_keys = maybe"' in finding.message


@pytest.mark.parametrize(
    "sql", ["PRAGMA foreign_keys;", "PRAGMA defer_foreign_keys = ON;", "PRAGMA foreign_key_check;"]
)
def test_pragma_foreign_keys_passes_reads_and_defer(sql: str) -> None:
    clean(lint(TABLE + sql + "\n"))


# --- GS408 pragma-not-allowed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("PRAGMA journal_mode = WAL;", "D1 manages the journal itself"),
        ("PRAGMA main.journal_mode = WAL;", "does not allow this PRAGMA"),
        ("PRAGMA user_version = 3;", "d1_migrations"),
        ("PRAGMA integrity_check;", "PRAGMA quick_check"),
        ("PRAGMA writable_schema = ON;", "does not allow this PRAGMA"),
        ("PRAGMA table_info;", "needs the name of a table"),
        ("PRAGMA defer_foreign_keys = maybe;", "takes a boolean"),
        ("PRAGMA data_version = 3;", "takes no argument"),
        ("PRAGMA quick_check(_cf_KV);", "not a _cf_ one"),
    ],
)
def test_pragma_not_allowed(sql: str, says: str) -> None:
    finding = only(lint(TABLE + sql + "\n"), "pragma-not-allowed")
    assert finding.severity is Severity.ERROR and line(finding) == 2
    assert says in finding.message
    assert '(SQLite: "not authorized: D1 does not allow PRAGMA' in finding.message


@pytest.mark.parametrize(
    "sql",
    [
        "PRAGMA table_info(t);",
        "PRAGMA main.table_info('t');",
        "PRAGMA table_xinfo(t);",
        "PRAGMA table_list;",
        "PRAGMA index_list(t);",
        "PRAGMA foreign_key_list(t);",
        "PRAGMA quick_check;",
        "PRAGMA optimize;",
        "PRAGMA legacy_alter_table = ON;",
        "PRAGMA recursive_triggers = off;",
        "PRAGMA case_sensitive_like = 0;",
        "PRAGMA data_version;",
    ],
)
def test_pragma_allowed_by_d1(sql: str) -> None:
    clean(lint(TABLE + sql + "\n"))


def test_the_rule_and_the_dev_database_share_one_pragma_verdict() -> None:
    assert d1.pragma_verdict("journal_mode", "WAL") is not None
    assert d1.pragma_verdict("table_info", "t") is None
    assert d1.pragma_verdict("table_info", None) is not None
    assert d1.pragma_verdict("foreign_keys", "OFF") is None


# --- GS409 explicit-transaction -----------------------------------------------------------------


def test_begin_transaction_exact_text_passes_locally_but_fails_remotely() -> None:
    result = lint("BEGIN TRANSACTION;\n" + TABLE + "COMMIT;\n")
    findings = found(result, "explicit-transaction")
    assert [line(f) for f in findings] == [1, 3]
    assert all(f.severity is Severity.ERROR for f in findings)
    assert "`BEGIN TRANSACTION;` is stripped by local wrangler" in findings[0].message
    assert "`COMMIT;` is stripped by local wrangler" in findings[1].message
    assert "runs each migration file as one transaction" in findings[0].message
    assert found(result, "sqlite-error") == []


@pytest.mark.parametrize(
    "sql",
    [
        "begin transaction;",
        "BEGIN;",
        "BEGIN IMMEDIATE;",
        "END;",
        "ROLLBACK;",
        "SAVEPOINT s1;",
        "RELEASE s1;",
        "COMMIT TRANSACTION;",
    ],
)
def test_explicit_transaction_statements(sql: str) -> None:
    finding = only(lint(TABLE + sql + "\n"), "explicit-transaction")
    assert line(finding) == 2
    assert "only the exact text `BEGIN TRANSACTION;`" in finding.message
    assert "state.storage.transaction()" in finding.message


def test_trigger_bodies_and_names_are_no_transactions() -> None:
    clean(
        lint(
            "CREATE TABLE etx (id INTEGER PRIMARY KEY, commit_sha TEXT, updated INTEGER);\n"
            "CREATE TRIGGER etx_touch AFTER UPDATE OF commit_sha ON etx BEGIN\n"
            "  UPDATE etx SET updated = 1 WHERE id = new.id;\nEND;\n"
        )
    )


# --- GS410 attach-or-vacuum ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("ATTACH DATABASE 'other.db' AS other;", "ATTACH: D1 does not support attached databases"),
        ("DETACH DATABASE other;", "DETACH: D1 does not support attached databases"),
        ("VACUUM;", "cannot VACUUM from within a transaction"),
        ("VACUUM INTO 'copy.db';", "VACUUM INTO writes a database file"),
    ],
)
def test_attach_or_vacuum(sql: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    finding = only(lint(TABLE + sql + "\n"), "attach-or-vacuum")
    assert finding.severity is Severity.ERROR and line(finding) == 2
    assert says in finding.message
    assert list(tmp_path.iterdir()) == []


def test_attach_and_vacuum_as_names_pass() -> None:
    clean(lint("CREATE TABLE attachments (id INTEGER PRIMARY KEY, vacuumed_at TEXT);\n"))


# --- GS411 temp-object --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "column"),
    [
        ("CREATE TEMP TABLE scratch (id INTEGER);", 8),
        ("CREATE TEMPORARY TABLE scratch AS SELECT id FROM t;", 8),
        ("CREATE TEMPORARY VIEW v AS SELECT id FROM t;", 8),
        ("CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;", 8),
        ("CREATE TABLE temp.scratch (id INTEGER);", 14),
        ("CREATE INDEX temp.ix ON t (a);", 14),
        ("CREATE TEMP INDEX ix ON t (a);", 8),  # SQLite: a syntax error; one finding says why
        ("CREATE TABLE IF NOT EXISTS temp.scratch (id INTEGER);", 28),
        ('INSERT INTO "temp" . scratch VALUES (1);', 13),
        ("SELECT a FROM t JOIN temp.scratch USING (id);", 22),
    ],
)
def test_temp_objects(sql: str, column: int) -> None:
    finding = only(lint(TABLE + sql + "\n"), "temp-object")
    assert finding.severity is Severity.ERROR
    assert finding.location is not None and (finding.location.line, finding.location.column) == (2, column)
    assert "TEMP" in finding.message and "regular" in finding.message


def test_temp_in_names_and_strings_passes() -> None:
    clean(
        lint(
            "CREATE TABLE temp_readings (id INTEGER PRIMARY KEY, temperature REAL, note TEXT);\n"
            "INSERT INTO temp_readings (temperature, note) VALUES (21.5, 'copied from temp.x');\n"
            "SELECT temp.temperature FROM temp_readings AS temp WHERE temp.temperature > 20;\n"
        )
    )


# --- GS412 reserved-name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("CREATE TABLE _cf_settings (id INTEGER);", "D1 reserves names starting with _cf_"),
        ("CREATE INDEX _cf_idx ON t (a);", "D1 reserves names starting with _cf_"),
        ("CREATE VIEW _cf_view AS SELECT id FROM t;", "D1 reserves names starting with _cf_"),
        ("CREATE TABLE sqlite_stats (id INTEGER);", "SQLite reserves names starting with sqlite_"),
        ("CREATE TABLE SQLite_Stats (id INTEGER);", "SQLite reserves names starting with sqlite_"),
        ("CREATE INDEX sqlite_ix ON t (a);", "SQLite reserves names starting with sqlite_"),
        ("CREATE VIEW sqlite_v AS SELECT id FROM t;", "SQLite reserves names starting with sqlite_"),
        ("CREATE TRIGGER sqlite_tr AFTER INSERT ON t BEGIN SELECT 1; END;", "SQLite reserves"),
        ("CREATE VIRTUAL TABLE sqlite_search USING fts5(a);", "SQLite reserves"),
    ],
)
def test_reserved_names_fail(sql: str, says: str) -> None:
    finding = only(lint(TABLE + sql + "\n"), "reserved-name")
    assert finding.severity is Severity.ERROR and line(finding) == 2
    assert says in finding.message and "choose another name" in finding.message


def test_renaming_to_a_cf_name_is_flagged() -> None:
    result = lint(TABLE + "ALTER TABLE t RENAME TO _cf_t;\n")
    finding = only(result, "reserved-name")
    assert "RENAME TO _cf_t" in finding.message and "read or write it" in finding.message


def test_cf_in_another_case_is_a_warning() -> None:
    # Real local D1 accepts `_CF_Settings` (its check is case-sensitive); the name can still collide.
    findings = found(lint("CREATE TABLE _CF_Settings (id INTEGER);\n"), "reserved-name")
    assert len(findings) == 1 and findings[0].severity is Severity.WARNING
    assert "real local D1 accepts this spelling" in findings[0].message


def test_near_misses_and_columns_pass() -> None:
    clean(
        lint(
            "CREATE TABLE cf_settings (id INTEGER PRIMARY KEY, _cf_flag INTEGER);\n"
            "CREATE TABLE my_sqlite_stats (id INTEGER);\nINSERT INTO cf_settings (_cf_flag) VALUES (1);\n"
        )
    )


# --- GS413 virtual-table-module -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "says"),
    [
        ("fts4", "use fts5"),
        ("fts3", "use fts5"),
        ("FTS4", "use fts5"),
        ("rtree", "real local D1 refuses rtree"),
        ("rtree_i32", "real local D1 refuses rtree_i32"),
        ("spellfix1", "a regular table"),
    ],
)
def test_virtual_table_modules_d1_refuses(module: str, says: str) -> None:
    finding = only(lint(f"CREATE VIRTUAL TABLE search USING {module}(id, a, b);\n"), "virtual-table-module")
    assert finding.severity is Severity.ERROR and line(finding) == 1
    assert "D1 allows only the modules fts5 and fts5vocab" in finding.message and says in finding.message


def test_fts5_and_fts5vocab_pass() -> None:
    clean(
        lint(
            "CREATE VIRTUAL TABLE search USING fts5(body, tokenize='porter');\n"
            "INSERT INTO search (body) VALUES ('hello world');\n"
            "CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search, 'row');\n"
        )
    )


# --- GS414 function-not-allowed -----------------------------------------------------------------

COMMON_CALLS = (
    "lower(a)",
    "upper(a)",
    "coalesce(a, 'x')",
    "ifnull(a, 'x')",
    "length(a)",
    "substr(a, 1, 2)",
    "substring(a, 1, 2)",
    "replace(a, 'x', 'y')",
    "trim(a)",
    "ltrim(a, 'x')",
    "rtrim(a)",
    "json_extract(j, '$.a')",
    "json_object('a', 1)",
    "json_array(1, 2)",
    "json_set(j, '$.a', 1)",
    "json_remove(j, '$.a')",
    "json_valid(j)",
    "json_type(j)",
    "json_array_length(j)",
    "j -> '$.a'",
    "j ->> '$.a'",
    "datetime('now')",
    "date('now')",
    "time('now')",
    "julianday('now')",
    "unixepoch()",
    "unixepoch('now')",
    "strftime('%s', 'now')",
    "printf('%d', b)",
    "format('%d', b)",
    "iif(b > 0, 1, 2)",
    "abs(b)",
    "random()",
    "randomblob(4)",
    "hex(a)",
    "unhex('41')",
    "instr(a, 'x')",
    "quote(a)",
    "round(1.5)",
    "typeof(a)",
    "nullif(a, 'x')",
    "char(65)",
    "unicode(a)",
    "zeroblob(2)",
    "likely(b)",
    "unlikely(b)",
    "likelihood(b, 0.5)",
    "max(b, 1)",
    "min(b, 1)",
    "concat(a, 'x')",
    "concat_ws(',', a, 'x')",
    "octet_length(a)",
    "sign(b)",
    "ceil(1.5)",
    "floor(1.5)",
    "sqrt(4)",
    "pow(2, 3)",
    "mod(5, 2)",
    "pi()",
    "log(8)",
    "ln(2)",
    "exp(1)",
    "CAST(a AS TEXT)",
    "a LIKE 'x%'",
    "a GLOB 'x*'",
    "like('x%', a)",
    "glob('x*', a)",
    "CURRENT_TIMESTAMP",
    "changes()",
    "last_insert_rowid()",
    "total_changes()",
)
AGGREGATES = (
    "count(*)",
    "count(a)",
    "sum(b)",
    "total(b)",
    "avg(b)",
    "max(b)",
    "min(b)",
    "group_concat(a, ',')",
    "string_agg(a, ',')",
    "json_group_array(a)",
    "json_group_object(a, b)",
)


def test_common_allowed_functions_pass_in_every_position() -> None:
    scalars = ", ".join(COMMON_CALLS)
    aggregates = ", ".join(AGGREGATES)
    clean(
        lint(
            TABLE + "INSERT INTO t (a, b, j) VALUES ('a', 1, '{\"a\": 1}');\n"
            f"SELECT {scalars} FROM t;\nSELECT {aggregates} FROM t;\n"
            f"CREATE VIEW v AS SELECT {scalars} FROM t;\nSELECT * FROM v;\n"
            "SELECT row_number() OVER w, rank() OVER w, lag(b) OVER w, first_value(b) OVER w FROM t "
            "WINDOW w AS (ORDER BY b);\n"
            "SELECT key, value FROM t, json_each(t.j);\n"
            "CREATE TABLE c (a TEXT CHECK (length(trim(a)) > 0), b INTEGER DEFAULT (unixepoch()), "
            "s TEXT DEFAULT (strftime('%Y', 'now')), g TEXT GENERATED ALWAYS AS (lower(a)) VIRTUAL);\n"
            "CREATE INDEX ix ON t (lower(a)) WHERE coalesce(b, 0) > 0;\n"
            "CREATE TRIGGER tr AFTER INSERT ON t WHEN iif(new.b > 0, 1, 0) BEGIN\n"
            "  SELECT RAISE(ABORT, 'no') WHERE new.a IS NULL;\n"
            "  UPDATE t SET a = upper(new.a), j = json_set(coalesce(new.j, '{}'), '$.at', datetime('now')) "
            "WHERE id = new.id;\nEND;\n"
            "INSERT INTO t (a, b) VALUES (printf('%s-%d', 'x', 1), abs(random()) % 10);\n"
            "SELECT EXISTS (SELECT 1 FROM t) WHERE 1 IN (SELECT b FROM t);\n"
        )
    )


def test_names_that_look_like_calls_pass() -> None:
    # A table called like a function, a CTE with columns, and `name(` inside strings and comments.
    clean(
        lint(
            "CREATE TABLE nvl (a TEXT, b TEXT);\nINSERT INTO nvl(a, b) VALUES ('my_fn(1)', 'x');\n"
            "WITH counts(n) AS (SELECT count(*) FROM nvl) SELECT n FROM counts; -- sqlite_version()\n"
            "INSERT INTO nvl (a) SELECT a FROM nvl /* load_extension('x') */;\n"
        )
    )


def test_every_allowed_name_is_never_a_candidate() -> None:
    names = sorted(d1.ALLOWED_FUNCTIONS - {"->", "->>", "load_extension"})
    for name in names:
        sql = f"SELECT {name}(a, b) FROM t"
        assert _disallowed_calls(_Fragment(sql, 0)) == [], name


@pytest.mark.parametrize(
    ("sql", "name", "column"),
    [
        ("SELECT sqlite_version();", "sqlite_version()", 8),
        ("INSERT INTO t (a) SELECT sqlite_source_id();", "sqlite_source_id()", 26),
        ("UPDATE t SET a = my_slugify(a) WHERE b > 0;", "my_slugify()", 18),
        ("SELECT power(2, 3);", "power()", 8),
        ("SELECT if(b > 0, 1, 2) FROM t;", "if()", 8),
        ('SELECT "my_fn"(1);', "my_fn()", 8),
    ],
)
def test_functions_d1_refuses_in_dml(sql: str, name: str, column: int) -> None:
    finding = only(lint(TABLE + sql + "\n"), "function-not-allowed")
    assert finding.severity is Severity.ERROR
    assert finding.location is not None and (finding.location.line, finding.location.column) == (2, column)
    assert finding.message.startswith(name) and "not among D1's allowed functions" in finding.message
    assert "(SQLite: " in finding.message  # the dev database's failure, explained


def test_a_refused_function_with_a_d1_equivalent_names_it() -> None:
    finding = only(lint(TABLE + "SELECT if(b > 0, 1, 2), power(b, 2), my_fn(a) FROM t;\n"), "function-not-allowed")
    assert finding.message.startswith("if(), power(), my_fn() are not among D1's allowed functions")
    assert "(if() -> iif(), power() -> pow())" in finding.message


def test_load_extension_is_allowed_by_name_but_never_works() -> None:
    finding = only(lint("SELECT load_extension('x');\n"), "function-not-allowed")
    assert "on D1's list of functions but always fails" in finding.message
    assert finding.message.count('"not authorized"') == 1  # SQLite's text, quoted once


def test_load_extension_in_a_branch_never_taken_is_found_in_a_file_that_runs() -> None:
    # SQLite compiles the call (it is on D1's list) and never makes it: the file runs in one call,
    # and the rule still reads the statement.
    result = lint(TABLE + "SELECT CASE WHEN b > 0 THEN load_extension('x') END FROM t;\n")
    finding = only(result, "function-not-allowed")
    assert "on D1's list of functions but always fails" in finding.message
    assert finding.location is not None and (finding.location.line, finding.location.column) == (2, 29)


def test_without_the_dev_database_the_rule_reads_dml_itself() -> None:
    result = replay_files(
        TABLE + "INSERT INTO t (a) SELECT sqlite_source_id();\n",
        settings=LintSettings(rules=ALL_RULES),
        dev_database=False,
    )
    finding = only(result, "function-not-allowed")
    assert finding.message.startswith("sqlite_source_id()")


def test_dml_the_dev_database_ran_under_d1s_authorizer_is_not_lexed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from grove_schema.sql import lexer

    lexed: list[str] = []
    real = lexer.significant_tokens

    def counting(text: str, start: int = 0, end: int | None = None) -> list[lexer.Token]:
        lexed.append(text[start:end])
        return real(text, start, end)

    monkeypatch.setattr(lexer, "significant_tokens", counting)
    insert = "INSERT INTO t (a, b) VALUES (upper('x'), abs(random()) % 10), (lower('Y'), length('abc'));"
    clean(lint(TABLE + insert + "\n"))
    assert insert.rstrip(";") not in lexed
    refused = TABLE + "INSERT INTO t (a) VALUES (sqlite_version());\n"  # the file fails: the rule reads it
    assert only(lint(refused), "function-not-allowed").message.startswith("sqlite_version()")
    assert "INSERT INTO t (a) VALUES (sqlite_version())" in lexed


def test_functions_in_ddl_expressions() -> None:
    result = lint(
        TABLE,
        "CREATE TABLE c (\n  a TEXT CHECK (my_check(a)),\n  b TEXT DEFAULT (sqlite_source_id()),\n"
        "  g TEXT GENERATED ALWAYS AS (gen_fn(a))\n);\n"
        "CREATE INDEX ix ON t (\n  norm(a)\n);\n"
        "CREATE VIEW v AS\n  SELECT sqlite_version() AS version;\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = slug(new.a) WHERE id = new.id;\nEND;\n"
        "ALTER TABLE t ADD COLUMN k TEXT CHECK (valid_key(k));\n",
    )
    findings = found(result, "function-not-allowed")
    assert [(Path(f.location.path).name, line(f)) for f in findings if f.location] == [
        ("002_m.sql", 2),
        ("002_m.sql", 7),
        ("002_m.sql", 10),
        ("002_m.sql", 12),
        ("002_m.sql", 14),
    ]
    assert findings[0].message.startswith("my_check(), sqlite_source_id(), gen_fn() are not among")
    assert "the view is created, and fails each time it is read" in findings[2].message
    assert "the trigger is created, and fails the statement that fires it" in findings[3].message
    # One finding per statement, and no sqlite-error repeats a failure a finding explains.
    assert found(result, "sqlite-error") == []


# --- the bundled example and the corpus ---------------------------------------------------------


def replay_directory(directory: Path) -> StreamReplay:
    replayer = Replayer("engine", ReplayOptions(lint=LintSettings(rules=ALL_RULES)))
    try:
        for migration in discover_stream(directory):
            text = read_migration(migration.path)
            assert isinstance(text, str)
            replayer.apply_file(migration, text)
    finally:
        replayer.close()
    return replayer.result


def test_no_platform_finding_on_the_bundled_example() -> None:
    assert mine(replay_directory(EXAMPLE_MIGRATIONS)) == []


@pytest.mark.corpus
def test_no_platform_finding_on_the_corpus(corpus_root: Path) -> None:
    assert mine(replay_directory(corpus_root / "libs" / "engine" / "migrations")) == []


# Every place SQL can call a function, each on its own line (the name filled in).
CALL_POSITIONS = (
    "SELECT {f}(a) FROM t;",
    "INSERT INTO t (a) VALUES ({f}('x'));",
    "UPDATE t SET a = {f}(a);",
    "DELETE FROM t WHERE {f}(a) = 'x';",
    "INSERT INTO t (id, a) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET a = {f}(excluded.a);",
    "INSERT INTO t (a) VALUES ('x') RETURNING {f}(a);",
    "WITH c AS (SELECT {f}(a) AS n FROM t) SELECT n FROM c;",
    "CREATE VIEW v AS SELECT {f}(a) AS n FROM t;",
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = {f}(new.a) WHERE id = new.id; END;",
    "CREATE TRIGGER trw AFTER INSERT ON t WHEN {f}(new.a) BEGIN SELECT 1; END;",
    "CREATE INDEX ix ON t ({f}(a));",
    "CREATE INDEX ixw ON t (a) WHERE {f}(a) = 'x';",
    "CREATE TABLE c (a TEXT CHECK ({f}(a) = a));",
    "CREATE TABLE tc (a TEXT, CHECK ({f}(a) = a));",
    "CREATE TABLE d (a TEXT DEFAULT ({f}('x')));",
    "CREATE TABLE g (a TEXT, g TEXT GENERATED ALWAYS AS ({f}(a)));",
    "ALTER TABLE t ADD COLUMN k TEXT CHECK ({f}(k) = 1);",
)


@pytest.mark.parametrize(
    "name",
    [
        "normalize",  # an application-registered function that sqlglot knows by name
        "slugify",  # one nobody knows
        "contains",  # sqlglot knows it with two arguments: its parse of one fails
        "position",  # sqlglot parses it with a grammar of its own (POSITION(a IN b))
        "regexp",  # also the REGEXP operator's word
        "filter",  # also the FILTER clause's word
    ],
)
def test_an_unknown_function_is_refused_in_every_place(name: str) -> None:
    result = lint(TABLE, "\n".join(position.format(f=name) for position in CALL_POSITIONS) + "\n")
    findings = found(result, "function-not-allowed")
    assert [line(f) for f in findings] == list(range(1, len(CALL_POSITIONS) + 1))
    assert all(f.message.startswith(f"{name}() is not among D1's allowed functions") for f in findings)
    assert found(result, "sqlite-error") == []  # the rule explains each failure


def test_the_words_regexp_and_filter_are_not_calls_where_sqlite_reads_them_as_clauses() -> None:
    clean(lint(TABLE + "SELECT count(*) FILTER (WHERE b > 0), sum(b) FILTER (WHERE a IS NULL) FROM t;\n"))
    clean(lint(TABLE + "SELECT CAST(a AS DECIMAL(10, 2)), CAST(b AS VARCHAR(3)) FROM t;\n"))


def test_call_candidates_come_from_tokens_not_from_strings_or_comments() -> None:
    from grove_schema.rules.d1_platform import _call_candidates

    text = "SELECT 'myfn(x)', /* other(y) */ \"quoted_fn\" (a), lower(b) -- tail(c)\nFROM t JOIN u(x) ON h(z)"
    found = _call_candidates(text)
    assert found == {"quoted_fn": text.index('"quoted_fn"'), "h": text.index("h(z)")}
    assert _call_candidates('INSERT INTO "posts"(id) VALUES (1)') == {}
    assert _call_candidates("SELECT 1") == {}


def test_a_fragment_reads_the_statements_tokens_only_where_it_stands_between_them() -> None:
    """The calls found from the statement's own tokens are the ones the fragment lexed alone gives;
    a fragment whose text stands inside a string (or cuts a token) is lexed alone."""
    from grove_schema.rules.d1_platform import _call_candidates, _fragment_tokens
    from grove_schema.sql.lexer import split_statements

    source = "-- head\nCREATE TABLE t (a TEXT DEFAULT 'myfn(a) > 0' CHECK (myfn(a) > 0), b TEXT CHECK (other(b)));\n"
    [raw] = split_statements(source).statements
    for piece, expected_own in [("myfn(a) > 0", False), ("other(b)", True), ("fn(a) > 0", False)]:
        offset = source.index(piece)
        fragment = _Fragment(piece, offset, "SELECT ")
        tokens, base = _fragment_tokens(fragment, raw.tokens)
        assert (base == offset) is expected_own, piece
        assert _call_candidates(piece, tokens, base) == _call_candidates(piece), piece
        assert _disallowed_calls(fragment, raw.tokens) == _disallowed_calls(fragment), piece


def test_the_module_of_a_virtual_table_is_read_from_its_tokens() -> None:
    from grove_schema.catalog import _module_of

    assert _module_of('CREATE VIRTUAL TABLE "docs" USING FTS5(title, body)') == "fts5"
    assert _module_of("CREATE VIRTUAL TABLE v USING /* c */ fts5vocab(docs, row)") == "fts5vocab"
    assert _module_of("CREATE TABLE t (using_x TEXT)") == ""
