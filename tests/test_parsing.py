import pytest

from grove_schema.sql.lexer import split_statements
from grove_schema.sql.parsing import (
    AlterTable,
    CreateIndex,
    CreateTable,
    CreateTrigger,
    CreateVirtualTable,
    Kind,
    Pragma,
    Statement,
    StatementError,
    Transaction,
    parse_statement,
)


def parse(sql: str) -> Statement:
    split = split_statements(sql)
    assert len(split.statements) == 1
    return parse_statement(split.statements[0], sql)


def test_create_table_keeps_declared_types_and_defaults_verbatim() -> None:
    stmt = parse(
        "CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, a varchar( 255 ) NOT NULL DEFAULT 'x',"
        " b DEFAULT (unixepoch()), c DOUBLE PRECISION DEFAULT -1.5, d TEXT DEFAULT CURRENT_TIMESTAMP"
        " COLLATE NOCASE, e INT GENERATED ALWAYS AS (c * 2) STORED,"
        " CONSTRAINT uq UNIQUE (a, b), CHECK (c > 0),"
        " FOREIGN KEY (a) REFERENCES p(x) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED)"
    )
    assert isinstance(stmt, CreateTable) and stmt.if_not_exists
    cols = {c.name: c for c in stmt.columns}
    assert cols["a"].type == "varchar( 255 )" and cols["a"].default == "'x'" and cols["a"].not_null
    assert cols["b"].type == "" and cols["b"].default == "unixepoch()"
    assert cols["c"].type == "DOUBLE PRECISION" and cols["c"].default == "-1.5"
    assert cols["d"].default == "CURRENT_TIMESTAMP" and cols["d"].collation == "NOCASE"
    assert cols["e"].generated == "stored" and cols["e"].generated_expr == "c * 2"
    kinds = [c.kind for c in stmt.constraints]
    assert kinds == ["unique", "check", "foreign key"]
    fk = stmt.constraints[2].references
    assert fk is not None and fk.on_delete == "CASCADE" and fk.on_update == "SET NULL"
    assert fk.deferrable == "DEFERRABLE INITIALLY DEFERRED"


def test_without_rowid_and_strict_are_table_options() -> None:
    stmt = parse("CREATE TABLE w (a INT PRIMARY KEY, b ANY) STRICT, WITHOUT ROWID")
    assert isinstance(stmt, CreateTable) and stmt.without_rowid and stmt.strict


def test_virtual_table_with_tokenize_option() -> None:
    stmt = parse("CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize='porter unicode61', content='posts')")
    assert isinstance(stmt, CreateVirtualTable)
    assert stmt.module == "fts5"
    assert stmt.arguments == ("title", "body", "tokenize='porter unicode61'", "content='posts'")


def test_trigger_header_and_body() -> None:
    stmt = parse(
        "CREATE TRIGGER IF NOT EXISTS trg AFTER UPDATE OF title, body ON posts FOR EACH ROW "
        "WHEN new.title <> old.title BEGIN INSERT INTO log VALUES (new.id); UPDATE x SET y = 1; END;"
    )
    assert isinstance(stmt, CreateTrigger)
    assert (stmt.timing, stmt.event, stmt.table) == ("AFTER", "UPDATE", "posts")
    assert stmt.update_columns == ("title", "body") and stmt.for_each_row
    assert stmt.when == "new.title <> old.title"
    assert stmt.body == ("INSERT INTO log VALUES (new.id)", "UPDATE x SET y = 1")


def test_index_columns_and_expressions_and_where() -> None:
    stmt = parse("CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a DESC, lower(b) COLLATE NOCASE) WHERE c = 1")
    assert isinstance(stmt, CreateIndex) and stmt.unique and stmt.if_not_exists
    assert stmt.columns[0].name == "a" and stmt.columns[0].desc
    assert stmt.columns[1].expression == "lower(b)" and stmt.columns[1].collation == "NOCASE"
    assert stmt.where == "c = 1"


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("ALTER TABLE t ADD COLUMN c TEXT", Kind.ADD_COLUMN),
        ("ALTER TABLE t ADD c TEXT", Kind.ADD_COLUMN),
        ("ALTER TABLE t DROP COLUMN c", Kind.DROP_COLUMN),
        ("ALTER TABLE t RENAME COLUMN a TO b", Kind.RENAME_COLUMN),
        ("ALTER TABLE t RENAME a TO b", Kind.RENAME_COLUMN),
        ("ALTER TABLE t RENAME TO u", Kind.RENAME_TABLE),
    ],
)
def test_alter_table_forms(sql: str, kind: Kind) -> None:
    stmt = parse(sql)
    assert isinstance(stmt, AlterTable) and stmt.kind is kind


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0)",
        "ALTER TABLE t DROP CONSTRAINT c",
        "CREATE TABLE t (a,",
        "CREATE TABLE t ()",
    ],
)
def test_forms_d1_rejects_do_not_parse(sql: str) -> None:
    with pytest.raises(StatementError):
        parse(sql)


@pytest.mark.parametrize(
    ("sql", "action"),
    [("BEGIN TRANSACTION", "BEGIN"), ("END", "END"), ("SAVEPOINT a", "SAVEPOINT"), ("RELEASE a", "RELEASE")],
)
def test_transaction_statements_are_recognised(sql: str, action: str) -> None:
    stmt = parse(sql)
    assert isinstance(stmt, Transaction) and stmt.action == action


def test_pragma_name_and_value() -> None:
    stmt = parse("PRAGMA main.foreign_keys = OFF")
    assert isinstance(stmt, Pragma) and stmt.name == "foreign_keys" and stmt.value == "OFF"


def test_sqlglot_ast_is_lazy_and_none_when_unparseable() -> None:
    assert parse("SELECT a FROM t").ast is not None
    assert parse("SELECT FROM WHERE").ast is None


def test_a_statement_is_parsed_once_and_its_error_kept() -> None:
    from grove_schema.sql.parsing import StatementError, parse_statement

    text = "ALTER TABLE t ADD COLUMN c TEXT;\nCREATE TABLE (;\nINSERT INTO t VALUES (1);\n"
    alter, broken, insert = split_statements(text).statements
    first = parse_statement(alter, text)
    assert parse_statement(alter, text) is first and alter.parsed is first
    errors = []
    for _ in range(2):
        with pytest.raises(StatementError) as raised:
            parse_statement(broken, text)
        errors.append(raised.value)
    assert errors[0] is errors[1] and errors[0].message
    assert parse_statement(insert, text) is not parse_statement(insert, text)  # DML is only classified
