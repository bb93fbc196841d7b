"""Catalog snapshots: one comparable shape for the schema model and for a real SQLite catalog.

The replay's invariant is `model_catalog(schema) == database_catalog(dev_db)` after every file.
Automatic indexes (from PRIMARY KEY and UNIQUE) are compared by what they index, not by name.
The SQL the catalog keeps (view SELECTs, trigger WHEN and bodies, CHECK expressions, partial-index
WHERE clauses) is compared as tokens (`sql_shape`): spaces, comments, letter case and identifier
quoting aside, as SQLite rewrites it on a rename. Column collations are compared too.
"""

from __future__ import annotations

from typing import Any, Protocol

from grove_schema.model import Schema, Table, key
from grove_schema.sql.lexer import Token, TokenKind, after_top_level, significant_tokens, tokenize

ColumnRow = tuple[str, str, int, str | None, int, int]
ForeignKeyRow = tuple[tuple[str, ...], str, tuple[str | None, ...], str, str, str]
IndexRow = tuple[str | None, int, str, int, tuple[str | None, ...]]


class Queryable(Protocol):
    def query(self, sql: str, bindings: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...

    def column_collation(self, table: str, column: str) -> str: ...


_IGNORED = (TokenKind.SPACE, TokenKind.COMMENT)


def sql_shape(text: str | None) -> tuple[str, ...] | None:
    """SQL as comparable tokens: no spaces or comments, names and keywords in one case, quotes off
    identifiers (SQLite writes a renamed name as "new"), a trailing `;` dropped."""
    if text is None:
        return None
    return _shape(tokenize(text))


def _shape(tokens: list[Token], columns: frozenset[str] | None = None) -> tuple[str, ...]:
    """With the table's `columns`: a double-quoted name that is none of them is the string SQLite
    reads it as (its double-quoted-string quirk), which SQLite writes as 'x' when a rename
    rewrites the table's text."""
    shaped: list[str] = []
    for token in tokens:
        if token.kind in _IGNORED:
            continue
        if columns is not None and token.kind is TokenKind.QUOTED and token.text.startswith('"'):
            name = token.identifier
            if key(name) not in columns:
                shaped.append("'" + name.replace("'", "''") + "'")
                continue
        if token.kind in (TokenKind.WORD, TokenKind.QUOTED):
            shaped.append(key(token.identifier))
        else:
            shaped.append(token.text)
    while shaped and shaped[-1] == ";":
        shaped.pop()
    return tuple(shaped)


def _significant(sql: str) -> list[Token]:
    return [t for t in tokenize(sql) if t.kind not in _IGNORED]


def _view_select(sql: str) -> tuple[str, ...]:
    tokens = _significant(sql)
    at = after_top_level(tokens, "AS")
    return _shape(tokens[at:]) if at is not None else ()


def _trigger_parts(sql: str) -> tuple[tuple[str, ...] | None, tuple[tuple[str, ...], ...]]:
    """A trigger's WHEN expression and its body statements, from its CREATE TRIGGER text."""
    tokens = _significant(sql)
    begin = after_top_level(tokens, "BEGIN")
    if begin is None:
        return None, ()
    when = after_top_level(tokens[: begin - 1], "WHEN")
    when_shape = _shape(tokens[when : begin - 1]) if when is not None else None
    end = len(tokens) - 1 if tokens and tokens[-1].is_word("END") else len(tokens)
    body: list[tuple[str, ...]] = []
    current: list[Token] = []
    for token in tokens[begin:end]:
        if token.is_punct(";"):
            if current:
                body.append(_shape(current))
            current = []
        else:
            current.append(token)
    if current:
        body.append(_shape(current))
    return when_shape, tuple(body)


def _index_where(sql: str | None) -> tuple[str, ...] | None:
    if not sql:
        return None
    tokens = _significant(sql)
    at = after_top_level(tokens, "WHERE")
    return _shape(tokens[at:]) if at is not None else None


def _table_checks(sql: str, columns: frozenset[str]) -> list[tuple[str, ...]]:
    """Every CHECK (...) expression of a CREATE TABLE text, column-level and table-level."""
    tokens = _significant(sql)
    checks: list[tuple[str, ...]] = []
    for index, token in enumerate(tokens[:-1]):
        if not (token.is_word("CHECK") and tokens[index + 1].is_punct("(")):
            continue
        depth = 0
        for end in range(index + 1, len(tokens)):
            if tokens[end].is_punct("("):
                depth += 1
            elif tokens[end].is_punct(")"):
                depth -= 1
                if depth == 0:
                    checks.append(_shape(tokens[index + 2 : end], columns))
                    break
    return sorted(checks)


def is_internal_table(name: str) -> bool:
    """SQLite's own tables and wrangler's bookkeeping; a `_cf_` table can only be the user's here
    (the dev database has none of D1's, and `RENAME TO _cf_x` passes D1's authorizer)."""
    lowered = name.lower()
    return lowered.startswith("sqlite_") or lowered == "d1_migrations"


def database_catalog(db: Queryable) -> dict[str, Any]:
    """The catalog of a live SQLite database, read through PRAGMAs and sqlite_schema."""
    tables: dict[str, Any] = {}
    virtual: list[tuple[str, str]] = []
    for _schema, name, kind, *_rest in db.query("PRAGMA main.table_list"):
        if is_internal_table(name) or kind in ("shadow", "view"):
            continue
        if kind == "virtual":
            sql = db.query("SELECT sql FROM sqlite_schema WHERE name = ?", (name,))[0][0] or ""
            virtual.append((key(name), _module_of(sql)))
            continue
        quoted = _quote(name)
        columns: list[ColumnRow] = [
            (col_name, col_type, int(notnull), default, int(pk), int(hidden))
            for _cid, col_name, col_type, notnull, default, pk, hidden in db.query(f"PRAGMA main.table_xinfo({quoted})")
        ]
        groups: dict[int, list[tuple[Any, ...]]] = {}
        for row in db.query(f"PRAGMA main.foreign_key_list({quoted})"):
            groups.setdefault(row[0], []).append(row)
        foreign_keys: list[ForeignKeyRow] = []
        for rows in groups.values():
            rows.sort(key=lambda r: r[1])
            first = rows[0]
            foreign_keys.append(
                (
                    tuple(key(r[3]) for r in rows),
                    key(first[2]),
                    tuple(key(r[4]) if r[4] is not None else None for r in rows),
                    first[5],
                    first[6],
                    first[7],
                )
            )
        indexes: list[IndexRow] = []
        for _seq, index_name, unique, origin, partial in db.query(f"PRAGMA main.index_list({quoted})"):
            index_columns = tuple(
                (key(r[2]) if r[2] is not None else ("<rowid>" if r[1] == -1 else "<expr>"))
                for r in db.query(f"PRAGMA main.index_xinfo({_quote(index_name)})")
                if r[5]
            )
            indexes.append(
                (key(index_name) if origin == "c" else None, int(unique), origin, int(partial), index_columns)
            )
        table_sql = db.query("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (name,))[0][0] or ""
        tables[key(name)] = {
            "name": name,
            "columns": columns,
            "foreign_keys": sorted(foreign_keys, key=repr),
            "indexes": sorted(indexes, key=repr),
            "checks": _table_checks(table_sql, frozenset(key(column[0]) for column in columns)),
            "collations": [key(db.column_collation(name, column[0])) for column in columns],
            "index_details": sorted(
                (
                    key(index_name),
                    _index_where(sql),
                    tuple(
                        (int(r[3]), key(r[4] or "binary"))
                        for r in db.query(f"PRAGMA main.index_xinfo({_quote(index_name)})")
                        if r[5]
                    ),
                )
                for index_name, sql in db.query(
                    "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                    (name,),
                )
            ),
        }
    view_rows = db.query("SELECT name, sql FROM sqlite_schema WHERE type = 'view'")
    views = sorted((key(r[0]), _view_select(r[1] or "")) for r in view_rows)
    triggers = sorted(
        (key(r[0]), key(r[1]), *_trigger_parts(r[2] or ""))
        for r in db.query("SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger'")
    )
    return {"tables": tables, "views": views, "triggers": triggers, "virtual_tables": sorted(virtual)}


def model_catalog(schema: Schema) -> dict[str, Any]:
    """The same shape, computed from the schema model alone."""
    tables: dict[str, Any] = {}
    for table_key, table in schema.tables.items():
        columns: list[ColumnRow] = [
            (c.name, reported_type(c.type), int(c.not_null), c.default, c.primary_key, c.hidden) for c in table.columns
        ]
        foreign_keys: list[ForeignKeyRow] = [
            (
                tuple(key(c) for c in fk.columns),
                key(fk.ref_table),
                tuple(key(c) for c in fk.ref_columns) if fk.ref_columns else (None,) * len(fk.columns),
                fk.on_update,
                fk.on_delete,
                fk.match,
            )
            for fk in table.foreign_keys
        ]
        indexes: list[IndexRow] = list(automatic_indexes(table))
        for index in schema.indexes_of(table.name):
            indexes.append(
                (
                    key(index.name),
                    int(index.unique),
                    "c",
                    int(index.where is not None),
                    tuple(key(c.name) if c.name is not None else "<expr>" for c in index.columns),
                )
            )
        checks = [c.expression for c in table.checks]  # column-level ones too (their `column` is set)
        collation_of = {key(c.name): key(c.collation or "binary") for c in table.columns}
        tables[table_key] = {
            "name": table.name,
            "columns": columns,
            "foreign_keys": sorted(foreign_keys, key=repr),
            "indexes": sorted(indexes, key=repr),
            "checks": sorted(
                _shape(tokenize(check), frozenset(key(c.name) for c in table.columns)) for check in checks
            ),
            "collations": [key(c.collation or "binary") for c in table.columns],
            "index_details": sorted(
                (
                    key(index.name),
                    sql_shape(index.where),
                    tuple(
                        (
                            int(c.descending),
                            key(c.collation)
                            if c.collation
                            else collation_of.get(key(c.name), "binary")
                            if c.name is not None
                            else "binary",
                        )
                        for c in index.columns
                    ),
                )
                for index in schema.indexes_of(table.name)
            ),
        }
    return {
        "tables": tables,
        "views": sorted((k, sql_shape(v.select) or ()) for k, v in schema.views.items()),
        "triggers": sorted(
            (
                k,
                key(t.table),
                sql_shape(t.when),
                tuple(shape for shape in (sql_shape(s) for s in t.body) if shape),
            )
            for k, t in schema.triggers.items()
        ),
        "virtual_tables": sorted((k, v.module.lower()) for k, v in schema.virtual_tables.items()),
    }


_STANDARD_TYPES = ("ANY", "BLOB", "INT", "INTEGER", "REAL", "TEXT")


def reported_type(declared: str) -> str:
    """A column's type as PRAGMA table_info reports it: SQLite spells the standard type names in
    capitals (integer -> INTEGER) and keeps any other type as declared."""
    return declared.upper() if declared.upper() in _STANDARD_TYPES else declared


def automatic_indexes(table: Table) -> list[IndexRow]:
    """The sqlite_autoindex_* indexes SQLite builds for a table's PRIMARY KEY and UNIQUEs."""
    built: list[list[Any]] = []  # [origin, columns]

    def add(origin: str, columns: tuple[str, ...]) -> None:
        wanted = tuple(key(c) for c in columns)
        for existing in built:
            if existing[1] == wanted:
                if origin == "pk":
                    existing[0] = "pk"
                return
        built.append([origin, wanted])

    pk = table.primary_key
    needs_pk_index = pk is not None and (table.without_rowid or table.rowid_alias is None)
    # Column-level constraints come in column order, then the table-level ones in order.
    column_uniques = {key(u.columns[0]) for u in table.uniques if u.column_level}
    for column in table.columns:
        if pk is not None and pk.column_level and needs_pk_index and key(column.name) == key(pk.columns[0]):
            add("pk", pk.columns)
        if key(column.name) in column_uniques:
            add("u", (column.name,))
    table_level = [u for u in table.uniques if not u.column_level]
    if pk is not None and not pk.column_level and needs_pk_index:
        # The table-level PRIMARY KEY's place among the table-level UNIQUEs is its declaration
        # order, which the model does not keep; dedupe makes the order matter only for names.
        add("pk", pk.columns)
    for unique in table_level:
        add("u", unique.columns)
    if table.without_rowid:
        # A WITHOUT ROWID table's key index drops repeated columns once the indexes are built.
        for entry in built:
            if entry[0] == "pk":
                entry[1] = tuple(dict.fromkeys(entry[1]))
    return [(None, 1, origin, 0, columns) for origin, columns in built]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def catalog_differences(model: dict[str, Any], database: dict[str, Any]) -> list[str]:
    """Human-readable differences between two catalogs (empty when equal)."""
    problems: list[str] = []
    for section in ("views", "triggers", "virtual_tables"):
        if model[section] != database[section]:
            problems.append(f"{section}: model {model[section]} != database {database[section]}")
    model_tables, db_tables = model["tables"], database["tables"]
    for name in sorted(set(model_tables) | set(db_tables)):
        if name not in db_tables:
            problems.append(f"table {name}: in the model only")
            continue
        if name not in model_tables:
            problems.append(f"table {name}: in the database only")
            continue
        for part in ("columns", "foreign_keys", "indexes", "checks", "collations", "index_details"):
            if model_tables[name][part] != db_tables[name][part]:
                problems.append(
                    f"table {name} {part}: model {model_tables[name][part]} != database {db_tables[name][part]}"
                )
    return problems


def _module_of(create_virtual_table: str) -> str:
    """The module a CREATE VIRTUAL TABLE uses (`USING fts5`), lower-cased; "" when none is named."""
    words = significant_tokens(create_virtual_table)
    for index, token in enumerate(words[:-1]):
        if token.is_word("USING"):
            return words[index + 1].identifier.lower()
    return ""
