"""devdb: the sandboxed in-memory SQLite with D1's profile (limits, foreign keys, authorizer),
one transaction per migration file, and a time budget per statement."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import apsw
import pytest

from grove_schema.d1 import (
    ALLOWED_FUNCTIONS,
    ALLOWED_PRAGMAS,
    SQLITE_LIMITS,
    TRANSACTION_REFUSAL,
    pragma_verdict,
)
from grove_schema.devdb import HEAP_LIMIT_BYTES, DevDatabase, sqlite_version

# d1's limits by apsw's limit codes, as the dev database sets them.
D1_LIMITS = {getattr(apsw, name): value for name, value in SQLITE_LIMITS.items()}


@pytest.fixture
def db() -> Iterator[DevDatabase]:
    database = DevDatabase()
    try:
        yield database
    finally:
        database.close()


def names(db: DevDatabase) -> list[str]:
    return [row[0] for row in db.query("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")]


# --- D1's profile ------------------------------------------------------------------------------


def test_foreign_keys_are_on_and_enforced(db: DevDatabase) -> None:
    assert db.query("PRAGMA foreign_keys") == [(1,)]
    assert db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)") is None
    assert db.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))") is None
    assert db.execute("INSERT INTO child VALUES (1, 42)") == "FOREIGN KEY constraint failed"
    assert db.query("SELECT count(*) FROM child") == [(0,)]


def test_d1_limits_are_set_on_the_connection(db: DevDatabase) -> None:
    connection = db._con
    assert {limit: connection.limit(limit, -1) for limit in D1_LIMITS} == D1_LIMITS
    assert D1_LIMITS[apsw.SQLITE_LIMIT_ATTACHED] == 0
    assert D1_LIMITS[apsw.SQLITE_LIMIT_COLUMN] == 100


def test_the_column_limit_is_d1s(db: DevDatabase) -> None:
    columns = ", ".join(f"c{i}" for i in range(100))
    assert db.execute(f"CREATE TABLE wide ({columns})") is None
    assert db.execute(f"CREATE TABLE wider ({columns}, c100)") == "too many columns on wider"
    failure = db.execute("ALTER TABLE wide ADD COLUMN c100")
    assert failure is not None and failure.startswith("too many columns on")  # SQLite names its temporary copy


def test_the_compound_select_and_like_pattern_limits_are_d1s(db: DevDatabase) -> None:
    five = " UNION ".join(f"SELECT {n}" for n in range(5))
    assert db.execute(five) is None
    assert db.execute(f"{five} UNION SELECT 5") == "too many terms in compound SELECT"
    assert db.execute(f"SELECT 'a' LIKE '{'a' * 50}'") is None
    assert db.execute(f"SELECT 'a' LIKE '{'a' * 51}'") == "LIKE or GLOB pattern too complex"


def test_the_length_limits_are_d1s(db: DevDatabase) -> None:
    assert db.execute("SELECT zeroblob(2200000)") is None
    assert db.execute("SELECT zeroblob(2200001)") == "string or blob too big"
    failure = db.execute("SELECT '" + "x" * 100_000 + "'")
    assert failure is not None and "too big" in failure  # SQL longer than 100,000 bytes


def test_the_expression_depth_limit_is_d1s(db: DevDatabase) -> None:
    assert db.execute("SELECT " + "1 + (" * 90 + "1" + ")" * 90) is None
    failure = db.execute("SELECT " + "1 + (" * 101 + "1" + ")" * 101)
    assert failure is not None and "Expression tree is too large (maximum depth 100)" in failure


def test_the_trigger_depth_limit_is_d1s(db: DevDatabase) -> None:
    assert db.execute("PRAGMA recursive_triggers = ON") is None
    assert db.execute("CREATE TABLE counter (n INTEGER)") is None
    assert (
        db.execute(
            "CREATE TRIGGER again AFTER INSERT ON counter WHEN new.n < 50 "
            "BEGIN INSERT INTO counter VALUES (new.n + 1); END"
        )
        is None
    )
    assert db.execute("INSERT INTO counter VALUES (45)") is None  # 5 levels deep
    assert db.execute("INSERT INTO counter VALUES (1)") == "triggers nested too deep"


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("ATTACH ':memory:' AS other", "D1 does not support attached databases"),
        ("ATTACH '/tmp/grove-schema-never.db' AS other", "D1 does not support attached databases"),
        ("DETACH other", "D1 does not support attached databases"),
        ("VACUUM INTO '/tmp/grove-schema-never.db'", "D1 does not support attached databases"),
        ("BEGIN", TRANSACTION_REFUSAL),
        ("BEGIN IMMEDIATE TRANSACTION", TRANSACTION_REFUSAL),
        ("COMMIT", TRANSACTION_REFUSAL),
        ("END TRANSACTION", TRANSACTION_REFUSAL),
        ("ROLLBACK", TRANSACTION_REFUSAL),
        ("SAVEPOINT mine", TRANSACTION_REFUSAL),
        ("RELEASE mine", TRANSACTION_REFUSAL),
        ("CREATE TEMP TABLE scratch (x)", "D1 does not allow TEMP tables"),
        ("CREATE TEMPORARY TABLE scratch (x)", "D1 does not allow TEMP tables"),
        ("CREATE TABLE temp.scratch (x)", "D1 does not allow TEMP tables"),
        ("CREATE TEMP VIEW scratch AS SELECT 1", "D1 does not allow TEMP tables"),
        ("CREATE TEMP TRIGGER scratch AFTER INSERT ON t BEGIN SELECT 1; END", "D1 does not allow TEMP tables"),
        ("CREATE INDEX temp.scratch ON t (a)", None),  # SQLite itself refuses: no temp.t
        ("CREATE TABLE _cf_KV (x)", "the name _cf_KV is reserved by D1 (_cf_ prefix)"),
        ("CREATE INDEX _cf_i ON t (a)", "the name _cf_i is reserved by D1"),
        ("CREATE VIEW _cf_v AS SELECT 1", "the name _cf_v is reserved by D1"),
        ("CREATE TRIGGER _cf_g AFTER INSERT ON t BEGIN SELECT 1; END", "the name _cf_g is reserved by D1"),
        ("PRAGMA journal_mode", "D1 does not allow PRAGMA journal_mode"),
        ("PRAGMA journal_mode = WAL", "D1 does not allow PRAGMA journal_mode = WAL"),
        ("PRAGMA page_size", "D1 does not allow PRAGMA page_size"),
        ("PRAGMA writable_schema = 1", "D1 does not allow PRAGMA writable_schema = 1"),
        ("PRAGMA data_version = 1", "D1 does not allow PRAGMA data_version = 1"),
        ("PRAGMA foreign_keys = maybe", "D1 does not allow PRAGMA foreign_keys = maybe"),
        ("PRAGMA table_info(_cf_KV)", "D1 does not allow PRAGMA table_info = _cf_KV"),
        ("PRAGMA table_info", "D1 does not allow PRAGMA table_info"),
        ("PRAGMA optimize = 'all'", "D1 does not allow PRAGMA optimize"),
        ("CREATE VIRTUAL TABLE spatial USING rtree(id, x0, x1)", "D1 does not allow the virtual table module rtree"),
        ("CREATE VIRTUAL TABLE numbers USING generate_series", None),
    ],
)
def test_the_authorizer_refuses_what_d1_refuses(db: DevDatabase, sql: str, reason: str | None) -> None:
    assert db.execute("CREATE TABLE t (a)") is None
    failure = db.execute(sql)
    assert failure is not None, sql
    if reason is not None:
        assert reason in failure
        assert re.match(r"(not authorized|authorization denied)", failure), failure
    assert names(db) == ["t"]  # a refused statement leaves nothing behind


@pytest.mark.parametrize("statement", ["BEGIN", "COMMIT", "SAVEPOINT grove_schema_statement", "ROLLBACK"])
def test_a_files_transaction_statement_is_refused_even_when_it_spells_one_of_ours(
    db: DevDatabase, statement: str
) -> None:
    # Our own BEGIN, COMMIT and SAVEPOINT were once prepared into apsw's statement cache, and a
    # file's statement of the same text ran from there without the authorizer: D1's refusal was lost.
    db.begin_file()
    assert db.execute("CREATE TABLE t (a)") is None
    assert db.end_file() is None
    db.begin_file()
    assert db.execute("INSERT INTO t VALUES (1)") is None
    failure = db.execute(statement)
    assert failure is not None and TRANSACTION_REFUSAL in failure, failure
    db.abandon_file()  # the file's transaction is still there to roll back
    assert db.end_file() is None
    assert db.query("SELECT count(*) FROM t") == [(0,)]


@pytest.mark.parametrize(
    ("function", "sql"),
    [
        ("sqlite_version", "SELECT sqlite_version()"),
        ("sqlite_source_id", "SELECT sqlite_source_id()"),
        ("sqlite_compileoption_used", "SELECT sqlite_compileoption_used('THREADSAFE')"),
        ("sqlite_compileoption_get", "SELECT sqlite_compileoption_get(0)"),
    ],
)
def test_functions_d1_does_not_list_are_refused(db: DevDatabase, function: str, sql: str) -> None:
    assert function not in ALLOWED_FUNCTIONS
    assert db.execute(sql) == f"not authorized to use function: {function}"


def test_the_authorizers_quick_answers_are_d1_verdicts_answers(db: DevDatabase) -> None:
    """The authorizer answers common actions before _d1_verdict: every answer is the one the full
    verdict (and the temp-schema rule) gives, for every action SQLite asks about."""
    actions = [code for code in apsw.mapping_authorizer_function if isinstance(code, int)]
    temp_allowed = (apsw.SQLITE_READ, apsw.SQLITE_UPDATE)
    names = [None, "posts", "_cf_KV", "_CF_kv", "sqlite_version", "upper", "my_fn", "fts5", "rtree", "foreign_keys"]
    db._internal = False
    try:
        for action in actions:
            for first in names:
                for second in names:
                    for database in (None, "main", "temp"):
                        verdict = db._d1_verdict(action, first, second)
                        if verdict is None and database == "temp" and action not in temp_allowed:
                            verdict = "temp"
                        answer = db._authorize(action, first, second, database, None)
                        expected = apsw.SQLITE_OK if verdict is None else apsw.SQLITE_DENY
                        assert answer == expected, (apsw.mapping_authorizer_function[action], first, second, database)
    finally:
        db._internal = True


def test_extension_loading_is_off(db: DevDatabase) -> None:
    failure = db.execute("SELECT load_extension('/tmp/grove-schema-never.so')")
    assert failure is not None and "not authorized" in failure


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE _CF_upper (x)",  # the _cf_ check is case-sensitive, as in real local D1
        "CREATE TABLE cf_kv (x)",
        "CREATE VIRTUAL TABLE search USING fts5(title, body)",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA defer_foreign_keys = true",
        "PRAGMA legacy_alter_table = no",
        "PRAGMA table_info(t)",
        "PRAGMA table_list",
        "PRAGMA data_version",
        "PRAGMA foreign_key_check",
        "PRAGMA quick_check",
        "PRAGMA optimize",
        "PRAGMA optimize = 65538",
        "ALTER TABLE t RENAME TO _cf_t",  # accepted; D1 then refuses what reads or writes it
        "SELECT abs(-1), coalesce(NULL, 1), json_extract('{\"a\": 1}', '$.a'), unixepoch(), randomblob(4)",
        "SELECT '{\"a\": 1}' -> '$.a', '{\"a\": 1}' ->> 'a'",
        "SELECT count(*), group_concat(a), total(a) FROM t",
        "SELECT row_number() OVER () FROM t",
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 2",
        "DELETE FROM t",
    ],
)
def test_what_d1_allows_runs(db: DevDatabase, sql: str) -> None:
    assert db.execute("CREATE TABLE t (a)") is None
    assert db.execute(sql) is None


def test_the_fts5vocab_module_is_allowed(db: DevDatabase) -> None:
    assert db.execute("CREATE VIRTUAL TABLE search USING fts5(body)") is None
    assert db.execute("CREATE VIRTUAL TABLE search_terms USING fts5vocab(search, 'row')") is None


def test_the_schema_tables_are_defensive(db: DevDatabase) -> None:
    assert db.execute("CREATE TABLE t (a)") is None
    assert db.execute("DELETE FROM sqlite_schema") == "table sqlite_master may not be modified"
    assert db.execute("UPDATE sqlite_schema SET sql = 'x'") == "table sqlite_master may not be modified"
    assert names(db) == ["t"]


def test_our_own_queries_are_not_subject_to_the_authorizer(db: DevDatabase) -> None:
    assert db.query("PRAGMA page_size")[0][0] > 0
    assert db.query("SELECT sqlite_version()") == [(sqlite_version(),)]
    assert list(db.rows("SELECT 1 + 1")) == [(2,)]
    assert db.query("SELECT ? * 2", (21,)) == [(42,)]
    # ... and leave the authorizer on for the migrations' statements after them.
    assert db.execute("PRAGMA page_size") is not None


def test_messages_are_sqlites_without_apsws_class_prefix(db: DevDatabase) -> None:
    assert db.execute("SELECT * FROM missing") == "no such table: missing"
    assert db.execute("CREATE TABLE") == "incomplete input"
    assert db.execute("CREAT TABLE t (a)") == 'near "CREAT": syntax error'


# --- statements and files ------------------------------------------------------------------------


def test_a_failed_statement_has_no_effect_inside_a_file(db: DevDatabase) -> None:
    db.begin_file()
    assert db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)") is None
    assert db.execute("INSERT INTO t VALUES (1), (2), (2)") == "UNIQUE constraint failed: t.id"
    assert db.query("SELECT count(*) FROM t") == [(0,)]  # not the first two rows either
    assert db.execute("INSERT INTO t VALUES (3)") is None  # the file goes on
    assert db.end_file() is None
    assert db.query("SELECT id FROM t") == [(3,)]


def test_a_failed_statement_has_no_effect_outside_a_file(db: DevDatabase) -> None:
    assert db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)") is None
    assert db.execute("INSERT INTO t VALUES (1), (1)") == "UNIQUE constraint failed: t.id"
    assert db.query("SELECT count(*) FROM t") == [(0,)]


def test_a_file_commits_at_its_end(db: DevDatabase) -> None:
    db.begin_file()
    assert db.execute("CREATE TABLE t (a)") is None
    assert db.execute("INSERT INTO t VALUES (1)") is None
    assert db._con.in_transaction  # one transaction for the whole file
    assert db.end_file() is None
    assert not db._con.in_transaction
    assert names(db) == ["t"] and db.query("SELECT a FROM t") == [(1,)]


def test_a_deferred_failure_at_the_end_of_a_file_rolls_the_whole_file_back(db: DevDatabase) -> None:
    db.begin_file()
    assert db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)") is None
    assert (
        db.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY,"
            " parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )
        is None
    )
    assert db.end_file() is None

    db.begin_file()
    assert db.execute("CREATE TABLE other (x)") is None
    assert db.execute("INSERT INTO parent VALUES (1)") is None
    assert db.execute("INSERT INTO child VALUES (1, 99)") is None  # deferred: checked at COMMIT
    assert db.end_file() == "FOREIGN KEY constraint failed"
    assert not db._con.in_transaction
    assert names(db) == ["child", "parent"]  # `other` is gone with the rest of the file
    assert db.query("SELECT count(*) FROM parent") == [(0,)]

    db.begin_file()  # the next file starts clean
    assert db.execute("INSERT INTO parent VALUES (1)") is None
    assert db.execute("INSERT INTO child VALUES (1, 1)") is None
    assert db.end_file() is None
    assert db.query("SELECT parent_id FROM child") == [(1,)]


def test_defer_foreign_keys_fails_at_the_end_of_the_file(db: DevDatabase) -> None:
    assert db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)") is None
    assert db.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))") is None
    db.begin_file()
    assert db.execute("PRAGMA defer_foreign_keys = ON") is None
    assert db.execute("INSERT INTO child VALUES (5)") is None
    assert db.execute("CREATE INDEX child_parent ON child (parent_id)") is None
    assert db.end_file() == "FOREIGN KEY constraint failed"
    assert names(db) == ["child", "parent"]


# --- the time budget -------------------------------------------------------------------------

ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def test_a_statement_over_its_time_budget_is_interrupted() -> None:
    db = DevDatabase(statement_seconds=0.2)
    try:
        started = time.monotonic()
        assert db.execute(ENDLESS) == "interrupted: the statement ran longer than 0.2 s"
        assert time.monotonic() - started < 3
        assert db.execute("SELECT 1") is None  # the connection is still usable
    finally:
        db.close()


def test_an_interrupted_write_inside_a_file_loses_the_file_and_goes_on_from_before_it() -> None:
    # SQLite rolls back the whole transaction when it interrupts an INSERT, UPDATE or DELETE: the
    # statement's savepoint is gone with it, and the file's earlier statements too.
    db = DevDatabase(statement_seconds=0.2)
    try:
        assert db.execute("CREATE TABLE before (x)") is None
        db.begin_file()
        assert db.execute("CREATE TABLE t (x)") is None
        outcome = db.run(f"INSERT INTO t {ENDLESS.replace('count(*)', 'x')}")
        assert outcome.interrupted and outcome.file_lost
        assert names(db) == ["before"]  # the state before the file
        assert db.execute("CREATE TABLE later (x)") is None  # a fresh transaction goes on
        assert db.end_file() is None
        assert names(db) == ["before", "later"]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("setup", "statement", "message"),
    [
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1)",
            "INSERT OR ROLLBACK INTO t VALUES (1)",
            "UNIQUE constraint failed: t.id",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT ROLLBACK);\n"
            "INSERT INTO t VALUES (1, 'a')",
            "INSERT INTO t VALUES (2, 'a')",
            "UNIQUE constraint failed: t.v",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"
            "CREATE TRIGGER t_no BEFORE INSERT ON t BEGIN SELECT RAISE(ROLLBACK, 'no rows here'); END",
            "INSERT INTO t VALUES (1)",
            "no rows here",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2)",
            "UPDATE OR ROLLBACK t SET id = 1",
            "UNIQUE constraint failed: t.id",
        ),
    ],
    ids=["insert-or-rollback", "on-conflict-rollback", "raise-rollback", "update-or-rollback"],
)
def test_an_automatic_rollback_loses_the_file_and_goes_on_from_before_it(
    db: DevDatabase, setup: str, statement: str, message: str
) -> None:
    assert db.execute("CREATE TABLE before (x)") is None
    db.begin_file()
    for sql in setup.split(";\n"):
        assert db.execute(sql) is None
    outcome = db.run(statement)
    assert outcome.failure == message
    assert outcome.file_lost and not outcome.interrupted
    assert names(db) == ["before"]
    assert db.execute("CREATE TABLE later (x)") is None
    assert db.end_file() is None
    assert names(db) == ["before", "later"]


def test_a_statement_may_be_given_less_than_its_budget() -> None:
    db = DevDatabase(statement_seconds=30)
    try:
        started = time.monotonic()
        outcome = db.run(ENDLESS, seconds=0.2)
        assert outcome.interrupted and outcome.failure == "interrupted: the statement ran longer than 0.2 s"
        assert time.monotonic() - started < 3
    finally:
        db.close()


# --- long function calls: linear string functions ------------------------------------------------

_BIG = 2_000_000
_AS = f"printf('%.*c', {_BIG}, 'a')"
_HALF = f"printf('%.*c', {_BIG // 2}, 'a') || 'b'"


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT instr({_AS}, {_HALF})",
        f"SELECT length(replace({_AS}, {_HALF}, 'x'))",
        f"SELECT length(trim({_AS}, printf('%.*c', {_BIG // 2}, 'b') || 'a'))",
        f"SELECT length(ltrim({_AS}, printf('%.*c', {_BIG // 2}, 'b') || 'a'))",
        f"SELECT length(rtrim({_AS}, printf('%.*c', {_BIG // 2}, 'b') || 'a'))",
    ],
    ids=["instr", "replace", "trim", "ltrim", "rtrim"],
)
def test_quadratic_string_functions_run_in_linear_time(sql: str) -> None:
    # SQLite's own take minutes on these (the progress handler never runs inside one call), far
    # past any time budget: the dev database's run in well under a second.
    db = DevDatabase(statement_seconds=5)
    try:
        started = time.monotonic()
        assert db.execute(sql) is None
        assert time.monotonic() - started < 3
    finally:
        db.close()


@pytest.mark.parametrize(
    "expression",
    [
        "instr('hello', 'l')",
        "instr('hello', '')",
        "instr(NULL, 'a')",
        "instr('a', NULL)",
        "instr(12345, 3)",
        "instr(1.5, '.')",
        "instr(X'010203', X'03')",
        "instr(X'616263', 'c')",
        "instr('ñandú', 'ú')",
        "instr('abc', 'abcd')",
        "replace('aaa', 'a', 'bb')",
        "replace('abc', '', 'x')",
        "replace(12, '', 'x')",
        "typeof(replace(12, '', NULL))",
        "replace('abc', 'b', NULL)",
        "replace(NULL, '', 'x')",
        "replace(1.0e20, '0', '1')",
        "typeof(replace(X'6161', 'a', 'b'))",
        "replace('ñañ', 'ñ', 'n')",
        "trim('xxhixx', 'x')",
        "ltrim('xxhixx', 'x')",
        "rtrim('xxhixx', 'xy')",
        "trim('abc', NULL)",
        "trim(NULL, 'a')",
        "trim(' a ')",
        "ltrim('  a')",
        "trim('ñañ', 'ñ')",
        "trim(123, 1)",
        "trim('abc', '')",
        "trim(2.5, 5)",
    ],
)
def test_linear_string_functions_give_sqlites_results(db: DevDatabase, expression: str) -> None:
    reference = apsw.Connection(":memory:")
    try:
        expected = [tuple(row) for row in reference.execute(f"SELECT {expression}, typeof({expression})")]
    finally:
        reference.close()
    assert db.query(f"SELECT {expression}, typeof({expression})") == expected


# --- memory --------------------------------------------------------------------------------------


def test_sqlites_heap_is_capped() -> None:
    db = DevDatabase()
    try:
        limit = apsw.hard_heap_limit(-1)
        assert 0 < limit <= HEAP_LIMIT_BYTES
    finally:
        db.close()


def test_a_value_over_d1s_length_limit_is_refused(db: DevDatabase) -> None:
    # Measured on real local D1 (the conformance case value-length/*): 2,200,000 bytes per value.
    assert db.execute("CREATE TABLE z (b BLOB)") is None
    assert db.execute("INSERT INTO z VALUES (zeroblob(2199995))") is None  # with its record header: 2,200,000
    assert db.execute("INSERT INTO z VALUES (zeroblob(2199996))") == "string or blob too big"
    assert db.execute("SELECT length(zeroblob(2200001))") == "string or blob too big"


def test_running_out_of_heap_loses_the_file_and_frees_it() -> None:
    db = DevDatabase()
    try:
        assert db.execute("CREATE TABLE z (b BLOB)") is None
        db.begin_file()
        inserts = HEAP_LIMIT_BYTES // 2_000_000 + 20
        outcomes = [db.run("INSERT INTO z VALUES (zeroblob(2000000))") for _ in range(inserts)]
        failed = [outcome for outcome in outcomes if outcome.failure is not None]
        assert failed, "the heap limit never stopped the inserts"
        assert failed[0].out_of_memory and failed[0].file_lost
        assert failed[0].failure == f"out of memory: the dev database's heap limit is {HEAP_LIMIT_BYTES // 2**20} MiB"
        assert db.end_file() is None
        assert db.query("SELECT count(*) FROM z") < [(len(outcomes),)]
        assert apsw.memory_used() < HEAP_LIMIT_BYTES // 2
    finally:
        db.close()


def test_the_budget_is_per_statement_not_per_file() -> None:
    db = DevDatabase(statement_seconds=1.0)
    try:
        db.begin_file()
        bounded = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT count(*) FROM c"
        )
        started = time.monotonic()
        while time.monotonic() - started < 1.5:  # together longer than one budget
            assert db.execute(bounded) is None
        assert db.end_file() is None
    finally:
        db.close()


def test_our_own_queries_have_no_statement_budget() -> None:
    db = DevDatabase(statement_seconds=0.01)
    try:
        count = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c"
        )
        assert db.query(count) == [(300000,)]
    finally:
        db.close()


# --- pragma_verdict and the version ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "argument", "allowed"),
    [
        ("foreign_keys", None, True),
        ("FOREIGN_KEYS", "ON", True),
        ("foreign_keys", "off", True),
        ("foreign_keys", "'yes'", True),
        ("foreign_keys", "1", True),
        ("foreign_keys", "maybe", False),
        ("data_version", None, True),
        ("data_version", "2", False),
        ("table_info", "users", True),
        ("table_info", '"users"', True),
        ("table_info", None, False),  # it needs a name
        ("table_info", "_cf_KV", False),
        ("table_info", "'_cf_KV'", False),
        ("foreign_key_check", None, True),
        ("foreign_key_check", "_cf_KV", False),
        ("table_list", "anything", True),
        ("optimize", None, True),
        ("optimize", "-1", True),
        ("optimize", "abc", False),
        ("quick_check", "10", True),
        ("quick_check", "users", True),
        ("quick_check", "_cf_KV", False),
        ("journal_mode", None, False),
        ("cache_size", "100", False),
        ("user_version", "3", False),
    ],
)
def test_pragma_verdict(name: str, argument: str | None, allowed: bool) -> None:
    verdict = pragma_verdict(name, argument)
    if allowed:
        assert verdict is None
    else:
        assert verdict is not None and verdict.startswith(f"D1 does not allow PRAGMA {name}")


def test_every_allowed_pragma_has_a_known_signature() -> None:
    assert set(ALLOWED_PRAGMAS.values()) <= {
        "none",
        "boolean",
        "name",
        "optional name",
        "optional number",
        "optional number or name",
        "any",
    }


def test_sqlite_version_is_the_bundled_librarys() -> None:
    version = sqlite_version()
    assert version == apsw.sqlite_lib_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert tuple(int(part) for part in version.split(".")) >= (3, 45, 0)  # jsonb, unixepoch('subsec') ...


def test_databases_are_separate_and_in_memory() -> None:
    first, second = DevDatabase(), DevDatabase()
    try:
        assert first.execute("CREATE TABLE only_here (x)") is None
        assert names(first) == ["only_here"] and names(second) == []
        assert first.query("PRAGMA database_list")[0][2] == ""  # no file behind it
    finally:
        first.close()
        second.close()


def _in_a_fresh_process(code: str) -> str:
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_the_console_script_runs_sqlite_single_threaded_and_a_library_caller_keeps_it_serialized() -> None:
    opened = "from grove_schema import devdb; db = devdb.DevDatabase(); db.execute('CREATE TABLE t (a)')"
    # imported as a library: SQLite stays as apsw set it up, the caller's threads may share it
    assert _in_a_fresh_process(f"{opened}; print(devdb.threading_mode())") == "serialized"
    # the console script, which owns its process and one thread, declares it before its first dev database
    console = (
        "from grove_schema import cli, devdb\n"
        "def main():\n"
        "    db = devdb.DevDatabase()\n"
        "    print(devdb.threading_mode(), db.execute('CREATE TABLE t (a)'), db.query('SELECT count(*) FROM t'))\n"
        "    return 0\n"
        "cli.main = main\n"
        "cli.console_main()\n"
    )
    assert _in_a_fresh_process(console) == "single-thread None [(0,)]"
    # declared after a dev database opened: too late to change, SQLite stays serialized
    late = (
        f"{opened}\nfrom grove_schema.sqlite_threading import declare_one_thread\ndeclare_one_thread()\n"
        "devdb.DevDatabase(); print(devdb.threading_mode())"
    )
    assert _in_a_fresh_process(late) == "serialized"
    # SQLite refusing the mode leaves it serialized, and the dev database works
    refused = (
        "import apsw\nfrom grove_schema import devdb, sqlite_threading\nsqlite_threading.declare_one_thread()\n"
        "def refuse(*_args):\n    raise apsw.MisuseError('no')\napsw.config = refuse\n"
        "db = devdb.DevDatabase(); print(devdb.threading_mode(), db.execute('CREATE TABLE t (a)'))"
    )
    assert _in_a_fresh_process(refused) == "serialized None"
