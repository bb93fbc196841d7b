"""D1's numbers and lists: its limits, and the PRAGMAs, functions and virtual table modules it
allows. Plain data, without apsw, so the dev database, the rules and the replay share one copy.

Where real local D1 disagrees with D1-FACTS.md, these follow the engine (docs/d1-conformance.md).
"""

from __future__ import annotations

# workerd's limits for D1 (src/workerd/util/sqlite.c++, setupSecurity).
MAX_VALUE_BYTES = 2_200_000  # a string or blob (and so a row)
MAX_STATEMENT_BYTES = 100_000  # one SQL statement
MAX_COLUMNS = 100  # per table (and per index, SELECT result, ORDER BY)
MAX_EXPRESSION_DEPTH = 100
MAX_COMPOUND_TERMS = 5  # SELECT ... UNION ... terms
MAX_FUNCTION_ARGUMENTS = 127
MAX_ATTACHED = 0  # no ATTACH at all
MAX_LIKE_PATTERN_BYTES = 50
MAX_BOUND_PARAMETERS = 100
MAX_TRIGGER_DEPTH = 10

# The same numbers by SQLite's limit name (sqlite3_limit), for the dev database.
SQLITE_LIMITS: dict[str, int] = {
    "SQLITE_LIMIT_LENGTH": MAX_VALUE_BYTES,
    "SQLITE_LIMIT_SQL_LENGTH": MAX_STATEMENT_BYTES,
    "SQLITE_LIMIT_COLUMN": MAX_COLUMNS,
    "SQLITE_LIMIT_EXPR_DEPTH": MAX_EXPRESSION_DEPTH,
    "SQLITE_LIMIT_COMPOUND_SELECT": MAX_COMPOUND_TERMS,
    "SQLITE_LIMIT_FUNCTION_ARG": MAX_FUNCTION_ARGUMENTS,
    "SQLITE_LIMIT_ATTACHED": MAX_ATTACHED,
    "SQLITE_LIMIT_LIKE_PATTERN_LENGTH": MAX_LIKE_PATTERN_BYTES,
    "SQLITE_LIMIT_VARIABLE_NUMBER": MAX_BOUND_PARAMETERS,
    "SQLITE_LIMIT_TRIGGER_DEPTH": MAX_TRIGGER_DEPTH,
}

ALLOWED_PRAGMAS: dict[str, str] = {
    # name -> what argument it may take (workerd's PragmaSignature)
    "data_version": "none",
    "case_sensitive_like": "boolean",
    "foreign_keys": "boolean",
    "defer_foreign_keys": "boolean",
    "ignore_check_constraints": "boolean",
    "legacy_alter_table": "boolean",
    "recursive_triggers": "boolean",
    "reverse_unordered_selects": "boolean",
    "foreign_key_check": "optional name",
    "foreign_key_list": "name",
    "index_info": "name",
    "index_list": "name",
    "index_xinfo": "name",
    "quick_check": "optional number or name",
    "optimize": "optional number",
    "table_list": "any",
    "table_info": "name",
    "table_xinfo": "name",
}

_BOOLEAN_PREFIXES = ("true", "false", "yes", "no", "on", "off", "1", "0")

ALLOWED_FUNCTIONS = frozenset(
    """
    abs changes char coalesce concat concat_ws format glob hex ifnull iif instr last_insert_rowid
    length like likelihood likely load_extension lower ltrim max min nullif octet_length printf
    quote random randomblob replace round rtrim sign soundex substr substring total_changes trim
    typeof unhex unicode unlikely upper zeroblob
    date time datetime julianday unixepoch strftime timediff current_date current_time
    current_timestamp
    avg count group_concat string_agg sum total
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value
    nth_value
    acos acosh asin asinh atan atan2 atanh ceil cos cosh degrees exp floor ln log log2 log10 mod
    pi pow radians sin sinh sqrt tan tanh trunc
    json jsonb json_array jsonb_array json_array_length json_extract jsonb_extract -> ->>
    json_insert jsonb_insert json_object jsonb_object json_patch jsonb_patch json_remove
    jsonb_remove json_replace jsonb_replace json_set jsonb_set json_type json_valid json_quote
    json_group_array jsonb_group_array json_group_object jsonb_group_object json_each json_tree
    match highlight bm25 snippet
    sqlite_rename_column sqlite_rename_table sqlite_rename_test sqlite_drop_column
    sqlite_rename_quotefix
    """.split()
)

# fts5 and fts5vocab only: real local D1 refuses rtree and rtree_i32 ("not authorized": creating one
# reads PRAGMA page_size), though D1-FACTS.md lists them; see docs/d1-conformance.md.
ALLOWED_VIRTUAL_TABLE_MODULES = frozenset({"fts5", "fts5vocab"})

TRANSACTION_REFUSAL = (
    'D1 refuses explicit transactions: "To execute a transaction, please use the '
    "state.storage.transaction() ... APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT "
    'statements"'
)


def pragma_verdict(name: str, argument: str | None) -> str | None:
    """Why D1 refuses `PRAGMA name` with this argument (as SQLite passes it to the authorizer),
    or None when D1 allows it. Pure: the lint rules share it with the dev database."""
    signature = ALLOWED_PRAGMAS.get(name.lower())
    refused = f"D1 does not allow PRAGMA {name}" + (f" = {argument}" if argument is not None else "")
    if signature is None:
        return refused
    if argument is None or signature == "any":
        return None if signature != "name" else refused
    value = argument.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if signature == "none":
        return refused
    if signature == "boolean":
        return None if value.lower().startswith(_BOOLEAN_PREFIXES) else refused
    if signature in ("name", "optional name"):
        return refused if value.startswith("_cf_") else None
    if signature == "optional number":
        return None if value.lstrip("-").isdigit() else refused
    return None if value.isdigit() or not value.startswith("_cf_") else refused
