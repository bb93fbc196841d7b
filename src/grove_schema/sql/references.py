"""What a piece of SQL references: the one answer render, drop, the graph and the rules share.

Four questions, from the cheapest to the most exact:

- `identifiers_in(sql)`: every name the text mentions, by the lexer alone (no parse). The test
  "could this text name X at all", as the rename rewrite needs it: it works on any text.
- `expression_columns(expression)`: the columns an expression of one table names (a CHECK, an
  index term or WHERE, a generated column), with sqlglot.
- `tables_referenced(sql)` and `table_written(sql)`: the tables and views a statement reads or
  writes (CTE names are not tables), and the one an INSERT, UPDATE or DELETE writes.
- `column_references(sql, schema)` and `statement_references(sql, schema)`: the (table, column)
  pairs a statement uses, resolved scope by scope the way SQLite resolves them.

Names come back as keys (`model.key`: lower-cased). sqlglot is imported inside the functions, so
importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from grove_schema.model import Index, Schema, Trigger, key
from grove_schema.records import FrozenRecord, frozen_record
from grove_schema.sql.lexer import Token, TokenKind, significant_tokens
from grove_schema.sql.parsing import parse_with_sqlglot
from grove_schema.sql.quoting import RESERVED_WORDS

if TYPE_CHECKING:
    from sqlglot import exp

Columns = set[tuple[str, str]]  # (table key, column key)


# --- names in text, by the lexer ------------------------------------------------------------------


def identifiers_in(sql: str) -> set[str]:
    """Keys of the names a piece of SQL text mentions: every bare or quoted name token, keywords
    included, except a word directly followed by `(` (a function name) unless a table's name
    stands there (`INSERT INTO t (a)`, `REFERENCES t (id)`). No parse, so it answers for any text,
    even one sqlglot cannot read."""
    tokens = _significant_tokens(sql)
    names = set()
    for index, token in enumerate(tokens):
        if token.kind not in (TokenKind.WORD, TokenKind.QUOTED):
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        after_table_keyword = index > 0 and tokens[index - 1].is_word("INTO", "REFERENCES")
        called = following is not None and following.is_punct("(")
        if token.kind is TokenKind.WORD and called and not after_table_keyword:
            continue
        names.add(key(token.identifier))
    return names


def _significant_tokens(sql: str) -> list[Token]:
    return significant_tokens(sql)


# --- parsing a statement ---------------------------------------------------------------------------

# The conflict clauses sqlglot cannot read after UPDATE (`UPDATE OR IGNORE t ...`) and after INSERT;
# dropping one changes nothing the statement references.
_CONFLICT_ACTIONS = frozenset({"ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE"})


def statement_tree(sql: str) -> exp.Expression | None:
    """sqlglot's tree of one statement, or None when sqlglot cannot parse it. A leading
    `UPDATE OR action` or `INSERT OR action` is read as a plain UPDATE or INSERT, and
    `REPLACE INTO` as `INSERT INTO`."""
    return parse_with_sqlglot(_without_conflict_clause(sql))


_HEAD = 256  # enough text to hold the first three tokens of nearly every statement


def _without_conflict_clause(sql: str) -> str:
    # Only the first three tokens matter: lex a head of the text unless a token reaches its end.
    head = sql[:_HEAD]
    tokens = _significant_tokens(head)
    if len(head) < len(sql) and (len(tokens) < 3 or tokens[2].end >= len(head)):
        tokens = _significant_tokens(sql)
    if not tokens:
        return sql
    first = tokens[0]
    if first.is_word("REPLACE"):
        return "INSERT" + sql[first.end :]
    if (
        len(tokens) >= 3
        and (first.is_word("UPDATE") or first.is_word("INSERT"))
        and tokens[1].is_word("OR")
        and tokens[2].kind is TokenKind.WORD
        and tokens[2].text.upper() in _CONFLICT_ACTIONS
    ):
        return first.text.upper() + sql[tokens[2].end :]
    return sql


def _tree(sql: str | exp.Expression) -> exp.Expression | None:
    return statement_tree(sql) if isinstance(sql, str) else sql


# --- tables ---------------------------------------------------------------------------------------


def tables_referenced(sql: str | exp.Expression) -> set[str]:
    """Keys of the tables and views a statement (SQL text or a sqlglot tree) reads or writes: its
    FROM and JOIN sources, subqueries and CTE bodies included, and an INSERT, UPDATE or DELETE's
    target. The names of the statement's own CTEs are not tables. Empty when it cannot be parsed."""
    from sqlglot import exp

    tree = _tree(sql)
    if tree is None:
        return set()
    ctes = {key(c.alias_or_name) for c in tree.find_all(exp.CTE)}
    tables = set()
    for node in tree.find_all(exp.Table):
        name = key(node.name)
        if name and name not in ctes:
            tables.add(name)
    return tables


def table_written(sql: str | exp.Expression) -> str | None:
    """Key of the table an INSERT, UPDATE or DELETE writes, or None for any other statement."""
    from sqlglot import exp

    tree = _tree(sql)
    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete)):
        target = tree.this
        while isinstance(target, exp.Schema):
            target = target.this
        if isinstance(target, exp.Table):
            return key(target.name)
    return None


# --- columns of a statement, resolved the way SQLite resolves them --------------------------------


def statement_references(sql: str, schema: Schema, trigger_table: str | None = None) -> tuple[set[str], Columns]:
    """(tables, (table, column) pairs) a SELECT or DML statement reads or writes: the tables of
    `tables_referenced`, the columns of `column_references`. In a trigger body (`trigger_table`
    given) the trigger's table counts as read. Both empty when sqlglot cannot parse it."""
    tree = statement_tree(sql)
    if tree is None:
        return set(), set()
    tables = tables_referenced(tree)
    if trigger_table is not None:
        tables.add(key(trigger_table))
    return tables, _resolved_columns(tree, schema, trigger_table)


def column_references(sql: str, schema: Schema, trigger_table: str | None = None) -> Columns | None:
    """The (table key, column key) pairs a SELECT or DML statement reads or writes, or None when
    sqlglot cannot parse it.

    Names resolve scope by scope as SQLite resolves them: a qualified name through the aliases of
    its own SELECT and then the enclosing ones; an unqualified name to the tables of the innermost
    SELECT that have such a column, then outwards (correlated subqueries). So a view that reads a
    same-named column of another table, or a subquery's own column, is not a use. In a trigger,
    `new.x` and `old.x` are columns of `trigger_table`. `SELECT *` names no column: it survives
    a DROP COLUMN. An INSERT's column list names columns of its target."""
    tree = statement_tree(sql)
    if tree is None:
        return None
    return _resolved_columns(tree, schema, trigger_table)


def trigger_references(trigger: Trigger, schema: Schema) -> tuple[set[str], Columns]:
    """(tables, (table, column) pairs) a trigger reads or writes: its body, its WHEN, and the
    columns of an UPDATE OF."""
    tables: set[str] = set()
    columns: Columns = set()
    texts = list(trigger.body) + ([when_as_select(trigger.when)] if trigger.when else [])
    for text in texts:
        read, cols = statement_references(text, schema, trigger_table=trigger.table)
        tables |= read
        columns |= cols
    for column in trigger.update_columns:
        columns.add((key(trigger.table), key(column)))
    return tables, columns


def when_as_select(when: str) -> str:
    """A trigger's WHEN condition as a statement sqlglot parses, so its columns resolve."""
    return f"SELECT 1 WHERE {when}"


@frozen_record()
class _Source(FrozenRecord):
    """What a name in a FROM clause stands for: a table of the model, or something whose columns
    are not a table's (a subquery, a CTE, a view, a virtual table); `names` None: unknown."""

    table: str | None  # key of a model table
    names: frozenset[str] | None = None


def _resolved_columns(tree: exp.Expression, schema: Schema, trigger_table: str | None) -> Columns:
    from sqlglot import exp

    sources_of = _sources_by_scope(tree, schema)
    found: Columns = set()

    pseudo: dict[str, _Source] = {}
    if trigger_table is not None:
        pseudo = {"new": _Source(key(trigger_table)), "old": _Source(key(trigger_table))}

    for node in tree.find_all(exp.Insert):
        target = node.this
        if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
            table = schema.table(target.this.name)
            if table is not None:
                for identifier in target.expressions:
                    name = key(identifier.name)
                    if table.column(name) is not None:
                        found.add((key(table.name), name))

    for column in tree.find_all(exp.Column):
        if isinstance(column.this, exp.Star) or not column.name:
            continue
        if _is_raise_action(column):
            continue
        name = key(column.name)
        scopes = [a for a in _ancestors(column) if isinstance(a, (exp.Select, exp.Update, exp.Delete, exp.Insert))]
        qualifier = key(column.table) if column.table else None
        if qualifier is not None:
            for scope in scopes:
                source = sources_of(scope).get(qualifier)
                if source is not None:
                    if source.table is not None:
                        found.add((source.table, name))
                    break
            else:
                source = pseudo.get(qualifier)
                if source is not None and source.table is not None:
                    found.add((source.table, name))
            continue
        if scopes and _is_order_by_alias(column, scopes[0], name):
            continue
        for scope in scopes:
            tables, derived = _candidates(sources_of(scope), schema, name)
            if tables:
                found.update((table, name) for table in tables)
                break
            if derived:
                break
    return found


def _sources_by_scope(tree: exp.Expression, schema: Schema) -> Callable[[exp.Expression], dict[str, _Source]]:
    """Alias -> source of each SELECT, UPDATE, DELETE or INSERT of `tree`, computed once per scope;
    the statement's CTEs are sources with the columns they give."""
    from sqlglot import exp

    ctes: dict[str, frozenset[str] | None] = {}
    for cte in tree.find_all(exp.CTE):
        ctes[key(cte.alias_or_name)] = _output_names(cte.this)
    scope_sources: dict[int, dict[str, _Source]] = {}

    def sources_of(node: exp.Expression) -> dict[str, _Source]:
        cached = scope_sources.get(id(node))
        if cached is None:
            cached = _scope_sources(node, schema, ctes)
            scope_sources[id(node)] = cached
        return cached

    return sources_of


def _ancestors(node: exp.Expr) -> Iterator[exp.Expr]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _is_raise_action(column: exp.Column) -> bool:
    """`RAISE(ABORT, 'message')`: sqlglot reads ABORT as a column."""
    from sqlglot import exp

    parent = column.parent
    return isinstance(parent, exp.Anonymous) and str(parent.name).upper() == "RAISE"


def _is_order_by_alias(column: exp.Column, scope: exp.Expression, name: str) -> bool:
    """In ORDER BY, a result column's alias wins over a table's column (SQLite's rule)."""
    from sqlglot import exp

    if not isinstance(scope, exp.Select) or not any(isinstance(a, exp.Order) for a in _ancestors(column)):
        return False
    return any(isinstance(p, exp.Alias) and key(p.alias) == name for p in scope.expressions)


def _output_names(node: exp.Expression | None) -> frozenset[str] | None:
    """The column names a subquery or CTE gives, or None when unknown (a `*`)."""
    from sqlglot import exp

    while isinstance(node, exp.Subquery):
        node = node.this
    if isinstance(node, exp.SetOperation):
        node = node.this
    if not isinstance(node, exp.Select):
        return None
    names = set()
    for projection in node.expressions:
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            return None
        names.add(key(projection.alias_or_name))
    return frozenset(names)


def _scope_sources(node: exp.Expression, schema: Schema, ctes: dict[str, frozenset[str] | None]) -> dict[str, _Source]:
    """Alias -> source for the FROM clause (and joins) of one SELECT, UPDATE, DELETE or INSERT."""
    from sqlglot import exp

    items: list[exp.Expression] = []
    if isinstance(node, (exp.Update, exp.Delete)):
        items.append(node.this)
    elif isinstance(node, exp.Insert):
        target = node.this
        items.append(target.this if isinstance(target, exp.Schema) else target)
    from_ = node.args.get("from_")
    if isinstance(from_, exp.From):
        items.append(from_.this)
    for join in node.args.get("joins") or ():
        items.append(join.this)
    sources: dict[str, _Source] = {}
    for item in items:
        if isinstance(item, exp.Table):
            name = key(item.name)
            source = _table_source(name, schema, ctes)
            sources[key(item.alias_or_name)] = source
            if not item.alias:
                sources[name] = source
        elif isinstance(item, exp.Expression) and item.alias_or_name:
            sources[key(item.alias_or_name)] = _Source(None, _output_names(item))
    return sources


def _table_source(name: str, schema: Schema, ctes: dict[str, frozenset[str] | None]) -> _Source:
    if name in ctes:
        return _Source(None, ctes[name])
    if schema.table(name) is not None:
        return _Source(name)
    view = schema.views.get(name)
    if view is not None:
        if view.column_names:
            return _Source(None, frozenset(key(c) for c in view.column_names))
        tree = parse_with_sqlglot(view.select)
        return _Source(None, _output_names(tree))
    vtable = schema.virtual_tables.get(name)
    if vtable is not None:
        return _Source(None, frozenset(key(c) for c in vtable.column_names))
    return _Source(None, None)


def _candidates(sources: dict[str, _Source], schema: Schema, name: str) -> tuple[set[str], bool]:
    """Model tables of one scope that have column `name`, and whether a non-table source may have it."""
    tables: set[str] = set()
    derived = False
    for source in sources.values():
        if source.table is not None:
            table = schema.table(source.table)
            if table is not None and table.column(name) is not None:
                tables.add(source.table)
        elif source.names is None or name in source.names:
            derived = True
    return tables, derived


# --- columns of one table's expression -------------------------------------------------------------


# The words a simple expression may hold besides names: `expression_columns` reads such an
# expression with the lexer alone; any other keyword (CASE, CAST, a subquery...) goes to sqlglot.
_SIMPLE_EXPRESSION_WORDS = frozenset(
    """AND OR NOT NULL IS ISNULL NOTNULL LIKE GLOB BETWEEN TRUE FALSE ESCAPE COLLATE
    CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP""".split()
)


def _simple_expression_columns(expression: str) -> set[str] | None:
    """The columns of an expression made only of names, literals, operators, function calls and
    the words above (`lower(email)`, `deleted_at IS NULL AND kind = 'x'`); None for anything else."""
    tokens = _significant_tokens(expression)
    names: set[str] = set()
    for index, token in enumerate(tokens):
        if token.kind is TokenKind.VARIABLE or token.unterminated or token.is_punct(".") or token.is_punct(";"):
            return None  # a parameter, a qualified name, a broken text: sqlglot's to judge
        if token.kind not in (TokenKind.WORD, TokenKind.QUOTED):
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        previous = tokens[index - 1] if index > 0 else None
        if previous is not None and previous.is_word("COLLATE"):
            continue  # a collation's name
        if token.kind is TokenKind.WORD:
            if following is not None and following.is_punct("("):
                if token.upper in RESERVED_WORDS:
                    return None  # RAISE(...), CAST(...), EXISTS (...), IN (...)
                continue  # a function's name
            if token.upper in _SIMPLE_EXPRESSION_WORDS:
                continue
            if token.upper in RESERVED_WORDS:
                return None  # CASE, CAST, IN (...), SELECT...: sqlglot's to read
        names.add(key(token.identifier))
    return names


def expression_columns(expression: str) -> set[str]:
    """Keys of the column names an expression of one table mentions (a CHECK, an index term or
    WHERE, a generated column): sqlglot's columns, not keywords, function names nor RAISE's action.
    A simple expression is read with the lexer alone (sqlglot costs a hook its import); when
    sqlglot cannot read the expression, every name the text mentions (`identifiers_in`)."""
    simple = _simple_expression_columns(expression)
    if simple is not None:
        return simple
    from sqlglot import exp

    tree = parse_with_sqlglot(f"SELECT {expression}")
    if tree is None:
        return identifiers_in(expression)
    return {key(c.name) for c in tree.find_all(exp.Column) if c.name and not _is_raise_action(c)}


def index_columns(index: Index) -> set[str]:
    """Keys of the columns an index uses: its named terms, and the columns of its expression terms
    and of its WHERE."""
    used = {key(c.name) for c in index.columns if c.name}
    for text in [c.expression for c in index.columns if c.expression] + ([index.where] if index.where else []):
        used |= expression_columns(text)
    return used


# --- columns a statement names that its tables lack -------------------------------------------------

_ROWID_NAMES = frozenset({"rowid", "oid", "_rowid_"})


def unknown_columns(sql: str | exp.Expression, schema: Schema) -> list[tuple[str, str]]:
    """(table, column) pairs a SELECT or DML statement names that the table does not have, in
    statement order; names as written. Only what resolves to exactly one table of the model is
    judged: a name that a subquery, CTE, view or virtual table might give, a name two tables of one
    scope could own, a result column's alias, a quoted name (SQLite may read "x" as a string) and
    `SELECT *` are left alone. Empty when sqlglot cannot parse the statement."""
    from sqlglot import exp

    tree = _tree(sql)
    if tree is None:
        return []
    sources_of = _sources_by_scope(tree, schema)
    unknown: list[tuple[str, str]] = []

    def report(table: str, column: str) -> None:
        model_table = schema.table(table)
        pair = (model_table.name if model_table is not None else table, column)
        if pair not in unknown:
            unknown.append(pair)

    for node in tree.find_all(exp.Insert):
        target = node.this
        if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
            table = schema.table(target.this.name)
            if table is None:
                continue
            for identifier in target.expressions:
                plain = isinstance(identifier, exp.Identifier) and not identifier.quoted
                if plain and table.column(identifier.name) is None and key(identifier.name) not in _ROWID_NAMES:
                    report(table.name, identifier.name)
    for column in tree.find_all(exp.Column):
        if isinstance(column.this, exp.Star) or not column.name or _is_raise_action(column):
            continue
        identifier = column.this
        if isinstance(identifier, exp.Identifier) and identifier.quoted:
            continue
        name = key(column.name)
        if name in _ROWID_NAMES:
            continue
        scopes = [a for a in _ancestors(column) if isinstance(a, (exp.Select, exp.Update, exp.Delete, exp.Insert))]
        if column.table:
            qualifier = key(column.table)
            for scope in scopes:
                source = sources_of(scope).get(qualifier)
                if source is None:
                    continue
                if source.table is not None:
                    table = schema.table(source.table)
                    if table is not None and table.column(name) is None:
                        report(table.name, column.name)
                break
            continue
        if not scopes or _is_result_alias(column, scopes[0], name):
            continue
        owner = _sole_table_lacking(scopes, sources_of, schema, name)
        if owner is not None:
            report(owner, column.name)
    return unknown


def _is_result_alias(column: exp.Column, scope: exp.Expression, name: str) -> bool:
    """A result column's alias named elsewhere in its SELECT (SQLite resolves it in WHERE, GROUP BY,
    HAVING and ORDER BY when no table column has the name)."""
    from sqlglot import exp

    if not isinstance(scope, exp.Select):
        return False
    return any(isinstance(p, exp.Alias) and key(p.alias) == name for p in scope.expressions)


def _sole_table_lacking(
    scopes: Sequence[exp.Expression],
    sources_of: Callable[[exp.Expression], dict[str, _Source]],
    schema: Schema,
    name: str,
) -> str | None:
    """The one table an unqualified column must belong to when no table in reach has it: every
    scope's sources are model tables, none has the column, and the innermost scope has exactly one."""
    for scope in scopes:
        tables, derived = _candidates(sources_of(scope), schema, name)
        if tables or derived:
            return None
        if any(source.table is None for source in sources_of(scope).values()):
            return None
    innermost = {source.table for source in sources_of(scopes[0]).values() if source.table is not None}
    return next(iter(innermost)) if len(innermost) == 1 else None
