"""D1's platform rules (GS407-GS414): what D1's runtime refuses or ignores although SQLite accepts it.

The allow-lists are the dev database's (`grove_schema.devdb`, workerd's authorizer): a rule and the
dev database never disagree about what D1 allows. Rules are pure: they read the statement and the
model; they never run SQL.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from grove_schema.d1 import (
    ALLOWED_FUNCTIONS,
    ALLOWED_PRAGMAS,
    ALLOWED_VIRTUAL_TABLE_MODULES,
    pragma_verdict,
)
from grove_schema.findings import Severity, with_fix
from grove_schema.records import FrozenRecord, frozen_record
from grove_schema.rules.base import Rule, RuleContext, Violation
from grove_schema.schema_changes import is_reserved_name
from grove_schema.sql.lexer import Token, TokenKind, significant_tokens
from grove_schema.sql.parsing import (
    AlterTable,
    ColumnDef,
    CreateIndex,
    CreateTable,
    CreateTrigger,
    CreateView,
    CreateVirtualTable,
    Kind,
    Pragma,
    Statement,
    Transaction,
    parse_with_sqlglot,
)

if TYPE_CHECKING:
    from sqlglot import exp

_DEFER_ADVICE = (
    "remove it, and where a table rebuild must break foreign keys for a moment use PRAGMA "
    "defer_foreign_keys = ON (checks move to the end of the migration file; ON DELETE CASCADE and SET "
    "NULL still fire, so DROP TABLE of a parent still deletes or clears every child row)"
)


# --- GS407 pragma-foreign-keys ---------------------------------------------------------------


class PragmaForeignKeys(Rule):
    """`PRAGMA foreign_keys = ...`: it has no effect in D1, where foreign keys are always enforced.

    Severity: `ON` is info (harmless: it is what D1 does); `OFF` a warning on its own, and an
    error in a file that relies on it (one of its foreign keys fails, at its statement or when D1
    commits the file); any other value an error (D1 refuses it).

    **Problem**: D1 always enforces foreign keys. `PRAGMA foreign_keys = OFF` is accepted and does
    nothing (the pragma still reads 1), so a migration written for SQLite, where switching the
    checks off lets a table rebuild drop and recreate a parent table, fails in D1 with
    `FOREIGN KEY constraint failed`, or worse succeeds and deletes child rows through
    `ON DELETE CASCADE`. `PRAGMA foreign_keys = ON` is a no-op. The replay cannot show it: the
    pragma itself succeeds.

    **Anti-pattern**:
    ```sql
    PRAGMA foreign_keys = OFF;
    CREATE TABLE posts_new (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
    INSERT INTO posts_new SELECT id, title FROM posts;
    DROP TABLE posts;
    ALTER TABLE posts_new RENAME TO posts;
    PRAGMA foreign_keys = ON;
    ```

    **Fix**: defer the checks to the end of the file, which D1 runs as one transaction. Deferring
    does not stop ON DELETE CASCADE or SET NULL actions: dropping a parent still deletes or clears
    its children's rows, so copy those children first or avoid the rebuild.
    ```sql
    PRAGMA defer_foreign_keys = ON;
    CREATE TABLE posts_new (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
    INSERT INTO posts_new SELECT id, title FROM posts;
    DROP TABLE posts;
    ALTER TABLE posts_new RENAME TO posts;
    ```
    """

    code = "GS407"
    name = "pragma-foreign-keys"
    severity = Severity.ERROR
    kinds = frozenset({Kind.PRAGMA})
    # A value D1 refuses (`= maybe`) fails in the dev database; pragma-not-allowed leaves
    # foreign_keys to this rule, so one statement gets one finding.
    explains = ("D1 does not allow PRAGMA foreign_keys",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if not isinstance(statement, Pragma) or statement.name != "foreign_keys" or statement.value is None:
            return
        value = _unquoted(statement.value)
        written = f"PRAGMA foreign_keys = {value}"
        if value.lower().startswith(("on", "true", "yes", "1")):
            # Harmless: what D1 does anyway.
            yield Violation(
                with_fix(f"{written} has no effect in D1: foreign keys are always enforced there", "remove it"),
                severity=Severity.INFO,
            )
            return
        if value.lower().startswith(("off", "false", "no", "0")):
            # A warning: what it was meant to allow fails on its own (a broken foreign key is a
            # sqlite-error at its statement; a parent's DROP that cascades is drop-referenced-table).
            yield Violation(
                with_fix(
                    f"{written} has no effect in D1: foreign keys stay enforced (the pragma still reads 1), "
                    "so the statements after it are checked as before",
                    _DEFER_ADVICE,
                ),
                severity=Severity.WARNING,
            )
            return
        yield Violation(
            with_fix(
                f"{written}: D1 refuses this value (foreign_keys takes a boolean) and would ignore any value: "
                "foreign keys are always enforced",
                _DEFER_ADVICE,
            )
        )


# --- GS408 pragma-not-allowed ----------------------------------------------------------------

_PRAGMA_ADVICE = {
    "journal_mode": "D1 manages the journal itself",
    "synchronous": "D1 manages durability itself",
    "cache_size": "D1 manages the page cache itself",
    "page_size": "D1 manages storage itself",
    "auto_vacuum": "D1 manages storage itself",
    "user_version": "wrangler records applied migrations in d1_migrations; keep your own version in a table",
    "schema_version": "never write the schema cookie",
    "writable_schema": "D1 never lets a migration write sqlite_schema",
    "integrity_check": "use PRAGMA quick_check, which D1 allows",
    "encoding": "D1 databases are UTF-8",
    "temp_store": "D1 has no TEMP storage",
    "busy_timeout": "D1 serialises writes itself",
    "locking_mode": "D1 manages locking itself",
    "mmap_size": "D1 manages storage itself",
    "wal_checkpoint": "D1 manages the journal itself",
}


class PragmaNotAllowed(Rule):
    """A PRAGMA outside D1's allow-list, or with an argument D1 refuses.

    **Problem**: D1 runs SQL through an authorizer that allows only a short list of PRAGMAs
    (table_info, table_list, index_list, foreign_key_check, quick_check, optimize,
    defer_foreign_keys and a few other booleans). Any other PRAGMA, like `journal_mode`,
    `user_version` or `integrity_check`, fails with `not authorized`, and so does an allowed
    PRAGMA given an argument D1 does not accept (a boolean pragma set to a word, `table_info`
    without a table). The migration file is rolled back and the ones after it are not applied.

    **Anti-pattern**:
    ```sql
    PRAGMA journal_mode = WAL;
    PRAGMA user_version = 12;
    ```

    **Fix**: remove it; D1 manages the journal, the page size and the cache itself, and wrangler
    records applied migrations in `d1_migrations`. Use the pragmas D1 allows.
    ```sql
    PRAGMA defer_foreign_keys = ON;
    PRAGMA quick_check;
    ```
    """

    code = "GS408"
    name = "pragma-not-allowed"
    severity = Severity.ERROR
    kinds = frozenset({Kind.PRAGMA})
    explains = ("D1 does not allow PRAGMA",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if not isinstance(statement, Pragma) or statement.name == "foreign_keys":
            return  # foreign_keys: pragma-foreign-keys
        argument = None if statement.value is None else statement.value.strip()
        refusal = pragma_verdict(statement.name, argument)
        if refusal is None:
            return
        written = f"PRAGMA {statement.name}" + (f" = {argument}" if argument is not None else "")
        signature = ALLOWED_PRAGMAS.get(statement.name)
        if signature is None:
            advice = _PRAGMA_ADVICE.get(statement.name) or "D1 has no equivalent"
            yield Violation(
                with_fix(
                    f"{written}: D1 does not allow this PRAGMA (its authorizer fails the migration with "
                    f"'not authorized')",
                    f"remove it ({advice})",
                )
            )
            return
        needs = {
            "none": "takes no argument (read it, do not set it)",
            "boolean": "takes a boolean (ON/OFF, 1/0, true/false, yes/no)",
            "name": "needs the name of a table or index, e.g. PRAGMA table_info(posts)",
            "optional name": "takes at most the name of a table, not a _cf_ one",
            "optional number": "takes at most a number (a bit mask)",
            "optional number or name": "takes at most a number or the name of a table, not a _cf_ one",
        }.get(signature, "takes another argument")
        yield Violation(
            with_fix(
                f"{written}: D1 refuses this argument ('not authorized')",
                f"write PRAGMA {statement.name} as D1 allows it: it {needs}",
            )
        )


# --- GS409 explicit-transaction --------------------------------------------------------------


class ExplicitTransaction(Rule):
    """BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT or RELEASE in a migration: D1 refuses them.

    **Problem**: wrangler runs each migration file (with its bookkeeping INSERT) as one
    transaction already, and D1 refuses explicit transaction statements: "To execute a
    transaction, please use the state.storage.transaction() ... APIs instead of the SQL BEGIN
    TRANSACTION or SAVEPOINT statements". Worse, local wrangler strips the exact text
    `BEGIN TRANSACTION;` and `COMMIT;` (case-sensitive) before it runs a file, so the migration
    passes `wrangler d1 migrations apply --local` and then fails against the remote database.

    **Anti-pattern**:
    ```sql
    BEGIN TRANSACTION;
    ALTER TABLE posts ADD COLUMN summary TEXT;
    UPDATE posts SET summary = substr(body, 1, 200);
    COMMIT;
    ```

    **Fix**: remove the transaction statements; the file is atomic in D1 (a failing statement
    rolls the whole file back).
    ```sql
    ALTER TABLE posts ADD COLUMN summary TEXT;
    UPDATE posts SET summary = substr(body, 1, 200);
    ```
    """

    code = "GS409"
    name = "explicit-transaction"
    severity = Severity.ERROR
    kinds = frozenset({Kind.TRANSACTION})
    explains = (
        "D1 refuses explicit transactions",
        "cannot start a transaction within a transaction",
        "cannot commit - no transaction is active",
        "cannot rollback - no transaction is active",
        "no such savepoint",
    )

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if not isinstance(statement, Transaction):
            return
        written = " ".join(statement.text.split())
        if len(written) > 60:
            written = written[:57] + "..."
        raw = statement.raw
        exact = raw.source[raw.start : raw.end + 1]
        if exact in ("BEGIN TRANSACTION;", "COMMIT;"):
            local = (
                f"; this exact text `{exact}` is stripped by local wrangler, so the file passes "
                "`wrangler d1 migrations apply --local` and fails on the remote database"
            )
        else:
            local = (
                " (local wrangler strips only the exact text `BEGIN TRANSACTION;` and `COMMIT;`, so a file "
                "written that way passes --local and fails remotely)"
            )
        yield Violation(
            with_fix(
                f"{written}: D1 refuses explicit transaction statements, and already runs each migration file as "
                f"one transaction{local}",
                "remove it (in a Durable Object, use state.storage.transaction() instead)",
            )
        )


# --- GS410 attach-or-vacuum ------------------------------------------------------------------


class AttachOrVacuum(Rule):
    """ATTACH, DETACH or VACUUM (also VACUUM INTO) in a migration: D1 refuses them.

    **Problem**: a D1 database is one SQLite file that D1 manages. `ATTACH` and `DETACH` are not
    authorized (there is no other database file to attach: each D1 database is its own binding),
    `VACUUM INTO` would write a file, and a plain `VACUUM` cannot run inside the transaction that
    wraps every migration file ("cannot VACUUM from within a transaction"). The migration fails
    and is rolled back.

    **Anti-pattern**:
    ```sql
    ATTACH DATABASE 'archive.db' AS archive;
    INSERT INTO archive.posts SELECT * FROM posts WHERE deleted = 1;
    VACUUM;
    ```

    **Fix**: remove them. Move data between D1 databases from a Worker holding both bindings, or
    with `wrangler d1 export` and `wrangler d1 execute --file`; D1 reclaims space itself.
    ```sql
    DELETE FROM posts WHERE deleted = 1;
    ```
    """

    code = "GS410"
    name = "attach-or-vacuum"
    severity = Severity.ERROR
    kinds = frozenset({Kind.ATTACH, Kind.DETACH, Kind.VACUUM})
    explains = ("attached databases", "cannot VACUUM", "no such database")

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if statement.kind is Kind.VACUUM:
            tokens = statement.raw.tokens
            if any(token.is_word("INTO") for token in tokens):
                yield Violation(
                    with_fix(
                        "VACUUM INTO writes a database file: D1 denies it (not authorized, it arrives as "
                        "ATTACH) and SQLite refuses VACUUM inside the transaction D1 wraps each migration in",
                        "remove it (wrangler d1 export makes a copy of the database)",
                    )
                )
                return
            yield Violation(
                with_fix(
                    "VACUUM cannot run in a D1 migration: D1 runs each migration file as one transaction "
                    'and SQLite refuses VACUUM inside one ("cannot VACUUM from within a transaction")',
                    "remove it (D1 manages the database file and its free space)",
                )
            )
            return
        what = "ATTACH" if statement.kind is Kind.ATTACH else "DETACH"
        yield Violation(
            with_fix(
                f"{what}: D1 does not support attached databases (not authorized): each D1 database is a "
                "binding of its own",
                "remove it, and move data between databases from a Worker that has both bindings (or with "
                "wrangler d1 export and execute --file)",
            )
        )


# --- GS411 temp-object -------------------------------------------------------------------------


class TempObject(Rule):
    """CREATE TEMP TABLE / VIEW / TRIGGER / INDEX, or an object in the `temp` schema.

    **Problem**: D1 denies TEMP objects (workerd's authorizer refuses SQLite's CREATE TEMP
    actions: `not authorized`), and SQLite refuses a TEMP index on a regular table. Even where a
    TEMP object would be created, it would vanish with the connection, so a migration cannot
    rely on it. A scratch table for a data migration has to be a regular table.

    **Anti-pattern**:
    ```sql
    CREATE TEMP TABLE old_ids AS SELECT id FROM posts WHERE legacy = 1;
    DELETE FROM comments WHERE post_id IN (SELECT id FROM old_ids);
    ```

    **Fix**: use a regular table and drop it at the end of the migration, or a subquery / CTE.
    ```sql
    DELETE FROM comments WHERE post_id IN (SELECT id FROM posts WHERE legacy = 1);
    ```
    """

    code = "GS411"
    name = "temp-object"
    severity = Severity.ERROR
    explains = ("TEMP tables", "TEMP index", 'near "INDEX": syntax error', "no such table: temp.")

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        where = _temp_usage(statement)
        if where is None:
            return
        keyword, offset = where
        what = _created_what(statement)
        fix = (
            "create a regular table and drop it at the end of the migration, or use a subquery or a CTE"
            if what in ("table", "view", "object")
            else f"create a regular {what}"
        )
        if keyword == "temp schema":
            message = (
                "the temp schema (temp.): D1 does not allow TEMP tables, indexes, views or triggers, and "
                "a TEMP object would vanish with the connection"
            )
        else:
            message = f"CREATE {keyword.upper()} {what.upper()}: D1 does not allow TEMP objects (not authorized)"
            if what == "index":
                message += " and SQLite has no TEMP INDEX syntax (an index lives in its table's schema)"
        message = with_fix(message, fix)
        yield Violation(message, context.locate(offset))


def _created_what(statement: Statement) -> str:
    return {
        Kind.CREATE_TABLE: "table",
        Kind.CREATE_TABLE_AS: "table",
        Kind.CREATE_VIEW: "view",
        Kind.CREATE_TRIGGER: "trigger",
        Kind.CREATE_INDEX: "index",
        Kind.CREATE_VIRTUAL_TABLE: "virtual table",
    }.get(statement.kind, "object")


# Where `temp.x` names an object in the temp schema; elsewhere (`WHERE temp.value > 0`) `temp` can be
# a table or an alias.
_BEFORE_TABLE_NAME = ("TABLE", "VIEW", "INDEX", "TRIGGER", "EXISTS", "INTO", "FROM", "JOIN", "UPDATE")


def _temp_usage(statement: Statement) -> tuple[str, int] | None:
    """("temp"/"temporary", offset) for CREATE TEMP ..., ("temp schema", offset) for `temp.x`."""
    raw = statement.raw
    if statement.keyword == "CREATE":
        tokens = raw.tokens
        if len(tokens) > 1 and tokens[1].is_word("TEMP", "TEMPORARY"):
            return tokens[1].text.lower(), tokens[1].start
    elif statement.kind in (Kind.PRAGMA, Kind.TRANSACTION, Kind.UNKNOWN):
        return None
    text = raw.text
    if "." not in text or "temp" not in text.lower():
        return None  # a cheap test before any tokenizing (a DML statement can be large)
    tokens = raw.tokens
    # Only a `.` token has the text "." (a string's text keeps its quotes): look around those.
    for dot in [index for index, token in enumerate(tokens) if token.text == "."]:
        if not 2 <= dot < len(tokens) - 1:
            continue
        token = tokens[dot - 1]
        if (
            token.kind in (TokenKind.WORD, TokenKind.QUOTED)
            and token.identifier.lower() == "temp"
            and tokens[dot - 2].is_word(*_BEFORE_TABLE_NAME)
            and tokens[dot + 1].kind in (TokenKind.WORD, TokenKind.QUOTED, TokenKind.STRING)
        ):
            return "temp schema", token.start
    return None


# --- GS412 reserved-name -----------------------------------------------------------------------


class ReservedName(Rule):
    """A table, index, view or trigger named `_cf_...` (reserved by D1) or `sqlite_...` (by SQLite).

    **Problem**: D1 keeps its own tables under the `_cf_` prefix (`_cf_KV`, `_cf_METADATA`) and
    its authorizer refuses objects whose name starts with `_cf_`: `CREATE TABLE _cf_settings`
    fails with `not authorized`, and a table renamed to such a name can no longer be read or
    written. SQLite reserves `sqlite_` (in any case) for itself: "object name reserved for
    internal use". Real local D1 checks `_cf_` case-sensitively (`_CF_settings` is accepted), but
    SQLite compares names case-insensitively, so another spelling can still collide with D1's own
    tables: that is reported as a warning.

    **Anti-pattern**:
    ```sql
    CREATE TABLE _cf_settings (key TEXT PRIMARY KEY, value TEXT);
    CREATE INDEX sqlite_posts_slug ON posts (slug);
    ```

    **Fix**: choose another name.
    ```sql
    CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT);
    CREATE INDEX idx_posts_slug ON posts (slug);
    ```
    """

    code = "GS412"
    name = "reserved-name"
    severity = Severity.ERROR
    kinds = frozenset(
        {
            Kind.CREATE_TABLE,
            Kind.CREATE_TABLE_AS,
            Kind.CREATE_VIRTUAL_TABLE,
            Kind.CREATE_INDEX,
            Kind.CREATE_VIEW,
            Kind.CREATE_TRIGGER,
            Kind.RENAME_TABLE,
        }
    )
    explains = ("reserved for internal use", "reserved by D1", "may not be altered")

    def explains_failure(self, sqlite_message: str) -> bool:
        # Only the case-sensitive `_cf_` is refused (by real D1 and the dev database); another
        # spelling gets this rule's warning, never an explanation of a refusal.
        refused = _RESERVED_BY_D1.search(sqlite_message)
        if refused is not None:
            return refused.group(1).startswith(_D1_PREFIX)
        return super().explains_failure(sqlite_message)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if isinstance(statement, AlterTable):
            name, verb = statement.new_name, f"ALTER TABLE {statement.table} RENAME TO"
        elif isinstance(statement, CreateTable | CreateVirtualTable | CreateIndex | CreateView | CreateTrigger):
            name, verb = statement.name, f"CREATE {_created_what(statement).upper()}"
        else:
            return
        creating = verb.startswith("CREATE")
        if name.startswith(_D1_PREFIX):
            consequence = (
                "D1 refuses it (not authorized)"
                if creating
                else "D1's authorizer then refuses the statements that read or write it (not authorized)"
            )
            yield Violation(
                with_fix(
                    f"{verb} {name}: D1 reserves names starting with _cf_ for its own tables, so {consequence}",
                    "choose another name",
                )
            )
        elif name[: len(_D1_PREFIX)].lower() == _D1_PREFIX:
            yield Violation(
                with_fix(
                    f"{verb} {name}: D1 reserves the _cf_ prefix for its own tables (_cf_KV, _cf_METADATA); "
                    "real local D1 accepts this spelling (its check is case-sensitive), but SQLite compares "
                    "names case-insensitively, so the name can collide with D1's own tables",
                    "choose another name",
                ),
                severity=Severity.WARNING,
            )
        elif is_reserved_name(name):
            yield Violation(
                with_fix(
                    f"{verb} {name}: SQLite reserves names starting with sqlite_ for internal use and refuses it",
                    "choose another name",
                )
            )


_D1_PREFIX = "_cf_"
_RESERVED_BY_D1 = re.compile(r"the name (.+?) is reserved by D1")


# --- GS413 virtual-table-module ----------------------------------------------------------------

# Real local D1 (wrangler 4.86, workerd) refuses `USING rtree` and `USING rtree_i32` with "not
# authorized: SQLITE_AUTH" (tests/conformance, virtual-table-module/rtree*): creating one reads
# `PRAGMA page_size`, which D1 does not authorize. The dev database's list follows the engine.
_ALLOWED_MODULES = ALLOWED_VIRTUAL_TABLE_MODULES
_REFUSED_BY_REAL_D1 = frozenset({"rtree", "rtree_i32"})  # named by workerd's list, refused in practice


class VirtualTableModule(Rule):
    """CREATE VIRTUAL TABLE with a module D1 does not allow: only fts5 and fts5vocab work.

    **Problem**: D1's authorizer allows few virtual table modules. `fts5` and `fts5vocab` work;
    any other (`fts4`, `fts3`, `spellfix1`, `csv`, a module of your own) fails with `not
    authorized`. workerd's list also names `rtree` and `rtree_i32`, but real local D1 refuses
    them too ("not authorized: SQLITE_AUTH": creating one reads `PRAGMA page_size`, which D1 does
    not authorize), so they are reported. Note that `wrangler d1 export` does not export virtual
    tables.

    **Anti-pattern**:
    ```sql
    CREATE VIRTUAL TABLE posts_search USING fts4(title, body);
    ```

    **Fix**: use fts5 (its query syntax is close to fts4's), or a regular table (for rtree: a
    table with an index on the bounding-box columns).
    ```sql
    CREATE VIRTUAL TABLE posts_search USING fts5(title, body);
    ```
    """

    code = "GS413"
    name = "virtual-table-module"
    severity = Severity.ERROR
    kinds = frozenset({Kind.CREATE_VIRTUAL_TABLE})
    explains = ("virtual table module", "no such module", "PRAGMA page_size")  # rtree reads page_size

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if not isinstance(statement, CreateVirtualTable):
            return
        module = statement.module
        if module.lower() in _ALLOWED_MODULES:
            return
        allowed = " and ".join(sorted(_ALLOWED_MODULES))
        why = "any other is not authorized"
        if module.lower() in ("fts3", "fts4"):
            fix = f"use fts5: CREATE VIRTUAL TABLE {statement.name} USING fts5(...)"
        elif module.lower() in _REFUSED_BY_REAL_D1:
            why = (
                f"real local D1 refuses {module.lower()} too, although workerd's list names it: creating one "
                "reads PRAGMA page_size, which D1 does not authorize"
            )
            fix = "use a regular table with an index on the bounding-box columns"
        else:
            fix = "use one of those, or a regular table"
        yield Violation(
            with_fix(
                f"CREATE VIRTUAL TABLE {statement.name} USING {module}: D1 allows only the modules {allowed} ({why})",
                fix,
            )
        )


# --- GS414 function-not-allowed ----------------------------------------------------------------

# Functions in D1's list that still never work there.
_NEVER_WORKS = {
    "load_extension": (
        'load_extension() is on D1\'s list of functions but always fails there ("not authorized"): '
        "D1 disables extension loading"
    ),
}

# D1's function for a name it refuses (from other SQL dialects, or SQLite aliases D1 lacks).
_EQUIVALENTS = {
    "if": "iif()",
    "power": "pow()",
    "ceiling": "ceil()",
    "nvl": "ifnull()",
    "isnull": "ifnull()",
    "len": "length()",
    "char_length": "length()",
    "now": "unixepoch() or datetime('now')",
    "getdate": "datetime('now')",
    "to_char": "strftime()",
    "left": "substr(x, 1, n)",
    "right": "substr(x, -n)",
    "regexp": "like() or glob()",
    "uuid": "lower(hex(randomblob(16)))",
    "gen_random_uuid": "lower(hex(randomblob(16)))",
}

# Words SQLite's grammar puts before "(" that are not function calls.
_NOT_CALLS = (
    frozenset(
        """
    abort all and as between by case cast check collate conflict constraint default delete distinct
    do else end escape except exists fail from generated glob groups having ignore in index
    insert intersect into is join key like limit match not null of offset on or order over partition
    primary raise range references replace returning rollback rows select set table then union
    unique update using values view when where window with
    """.split()
    )
    - ALLOWED_FUNCTIONS
)

_BEFORE_NAMES = frozenset(
    {"INTO", "TABLE", "EXISTS", "REFERENCES", "JOIN", "FROM", "INDEX", "VIEW", "TRIGGER", "WITH", "RECURSIVE"}
)


@frozen_record()
class _Fragment(FrozenRecord):
    """SQL to check: a statement (`prefix` empty) or an expression (`prefix` "SELECT ")."""

    text: str
    offset: int | None  # the file offset of text[0], when known
    prefix: str = ""


class FunctionNotAllowed(Rule):
    """A call to a function D1 does not allow, anywhere: DML, views, triggers, indexes, CHECK, DEFAULT.

    **Problem**: D1's authorizer allows a fixed list of SQL functions (SQLite's core, date and
    time, math, JSON and FTS5 functions). Any other function fails: `sqlite_version()` and
    `sqlite_source_id()` are "not authorized", and a function of your own (from an app that
    registers it with `create_function`) does not exist in D1 ("no such function"). In a view,
    a trigger or a DEFAULT the failure waits until the view is read, the trigger fires or a row
    is inserted. `load_extension()` is on the list but always fails: D1 loads no extensions.

    **Anti-pattern**:
    ```sql
    INSERT INTO site_settings (key, value) VALUES ('sqlite', sqlite_version());
    CREATE INDEX idx_users_email ON users (normalize_email(email));
    ```

    **Fix**: use D1's functions, or compute the value in the Worker and bind it.
    ```sql
    CREATE INDEX idx_users_email ON users (lower(trim(email)));
    ```
    """

    code = "GS414"
    name = "function-not-allowed"
    severity = Severity.ERROR
    explains = (
        "D1 does not allow the function",
        "not authorized to use function",
        "no such function",
        "unknown function",  # ALTER TABLE ADD COLUMN ... CHECK (f(x))
        "not authorized",  # load_extension(): only this exact message, see explains_failure
    )

    def explains_failure(self, sqlite_message: str) -> bool:
        if sqlite_message.strip().lower() == "not authorized":
            return True  # load_extension() with extension loading off
        lowered = sqlite_message.lower()
        return any(f.lower() in lowered for f in self.explains if f != "not authorized")

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if statement.kind is Kind.DML and context.ran_in_dev_database and not _names_never_working(statement.text):
            # SQLite compiled it under D1's authorizer, which refuses every function D1 does not allow
            # (and fails a function that does not exist): nothing to find, and a large INSERT is not lexed.
            return
        calls: dict[str, int | None] = {}
        for fragment in _function_fragments(statement):
            if "(" not in fragment.text:
                continue  # no call (and the statement's tokens are not made for it)
            for name, offset in _disallowed_calls(fragment, statement.raw.tokens):
                calls.setdefault(name, offset)
        if not calls:
            return
        # One finding per statement: the replay quotes SQLite's one failure in it.
        first = next((offset for offset in calls.values() if offset is not None), None)
        yield Violation(_function_message(list(calls), statement), context.locate(first) if first is not None else None)


def _names_never_working(text: str) -> bool:
    lowered = text.lower()
    return any(name in lowered for name in _NEVER_WORKS)


def _function_message(names: list[str], statement: Statement) -> str:
    notes = [_NEVER_WORKS[name] for name in names if name in _NEVER_WORKS]
    others = [name for name in names if name not in _NEVER_WORKS]
    if not others:
        return with_fix("; ".join(notes), "remove the call: D1 cannot load extensions")
    listed = ", ".join(f"{name}()" for name in others)
    verb = "is" if len(others) == 1 else "are"
    when = {
        Kind.CREATE_VIEW: " (the view is created, and fails each time it is read)",
        Kind.CREATE_TRIGGER: " (the trigger is created, and fails the statement that fires it)",
    }.get(statement.kind, "")
    if all(name.startswith("sqlite_") for name in others):
        fix = "remove the call; D1 does not expose SQLite's build information"
    else:
        fix = (
            "use functions D1 allows (SQLite's core, date/time, math and JSON functions) or compute "
            "the value in the Worker and bind it"
        )
        hints = [f"{name}() -> {_EQUIVALENTS[name]}" for name in others if name in _EQUIVALENTS]
        if hints:
            fix += f" ({', '.join(hints)})"
    problem = (
        f"{listed} {verb} not among D1's allowed functions: D1 fails the statement (not authorized, or "
        f"no such function for a function of your own){when}"
    )
    if notes:
        problem += "; " + "; ".join(notes)
        fix += "; remove load_extension(): D1 cannot load extensions"
    return with_fix(problem, fix)


def _function_fragments(statement: Statement) -> Iterator[_Fragment]:
    """The SQL of a statement that can call functions, with where each piece stands in the file."""
    text, start = statement.text, statement.start
    expression = "SELECT "

    def tail(piece: str) -> _Fragment:
        return _Fragment(piece, start + len(text) - len(piece) if text.endswith(piece) else None)

    def within(piece: str, after: int, prefix: str = expression) -> tuple[_Fragment, int]:
        index = text.find(piece, after)
        if index < 0:
            return _Fragment(piece, None, prefix), after
        return _Fragment(piece, start + index, prefix), index + len(piece)

    if statement.kind is Kind.DML:
        yield _Fragment(text, start)
    elif isinstance(statement, CreateView):
        yield tail(statement.select)
    elif isinstance(statement, CreateTable):
        if statement.as_select is not None:
            yield tail(statement.as_select)
        cursor = 0
        for column in statement.columns:
            fragments, cursor = _column_fragments(column, text, start, cursor)
            yield from fragments
        for constraint in statement.constraints:
            if constraint.expression is not None:
                fragment, cursor = within(constraint.expression, cursor)
                yield fragment
    elif isinstance(statement, AlterTable) and statement.column is not None:
        fragments, _ = _column_fragments(statement.column, text, start, 0)
        yield from fragments
    elif isinstance(statement, CreateIndex):
        cursor = 0
        for indexed in statement.columns:
            if indexed.expression is not None:
                fragment, cursor = within(indexed.expression, cursor)
                yield fragment
        if statement.where is not None:
            fragment, cursor = within(statement.where, cursor)
            yield fragment
    elif isinstance(statement, CreateTrigger):
        cursor = 0
        if statement.when is not None:
            fragment, cursor = within(statement.when, cursor)
            yield fragment
        for body in statement.body:
            fragment, cursor = within(body, cursor, prefix="")
            yield fragment


def _column_fragments(column: ColumnDef, text: str, start: int, cursor: int) -> tuple[list[_Fragment], int]:
    pieces = [*column.check]
    if column.generated_expr is not None:
        pieces.append(column.generated_expr)
    if column.default is not None and "(" in column.default:
        pieces.append(column.default)
    fragments = []
    base = max(cursor, column.start - start)
    for piece in pieces:
        index = text.find(piece, base)
        fragments.append(_Fragment(piece, start + index if index >= 0 else None, "SELECT "))
    return fragments, base


def _fragment_tokens(fragment: _Fragment, statement_tokens: Sequence[Token]) -> tuple[Sequence[Token], int]:
    """The tokens of `fragment` and the offset they count from: the statement's own, when the
    fragment starts and ends between two of them (lexed again, it would give the same tokens);
    else the fragment lexed on its own."""
    offset = fragment.offset
    if offset is not None:
        end = offset + len(fragment.text)
        low = bisect.bisect_left(statement_tokens, offset, key=_token_start)
        high = bisect.bisect_left(statement_tokens, end, key=_token_start)
        if (
            high > low
            and (low == 0 or statement_tokens[low - 1].end <= offset)
            and statement_tokens[high - 1].end <= end
        ):
            return statement_tokens[low:high], offset
    return significant_tokens(fragment.text), 0


def _token_start(token: Token) -> int:
    return token.start


def _call_candidates(text: str, tokens: Sequence[Token] | None = None, base: int = 0) -> dict[str, int]:
    """Names written as `name(` (strings and comments aside) that D1 would not run, with the offset of
    their first occurrence in `text`. Cheap: most SQL has none, and is then never parsed. `tokens`
    are `text`'s, with offsets from `base` (lexed here when not given)."""
    if "(" not in text:
        return {}
    if tokens is None:
        tokens = significant_tokens(text)
    found: dict[str, int] = {}
    for index, token in enumerate(tokens[:-1]):
        if not tokens[index + 1].is_punct("("):
            continue
        if token.kind is TokenKind.WORD:
            name = token.text.lower()
        elif token.kind is TokenKind.QUOTED and token.text[0] in '"`':
            name = token.identifier.lower()
        else:
            continue
        if name in _NOT_CALLS or (name in ALLOWED_FUNCTIONS and name not in _NEVER_WORKS):
            continue
        previous = tokens[index - 1] if index > 0 else None
        if previous is not None and previous.kind is TokenKind.WORD and previous.upper in _BEFORE_NAMES:
            continue  # INSERT INTO posts(...), WITH x(a) AS ...: a table, not a call
        found.setdefault(name, token.start - base)
    return found


def _disallowed_calls(fragment: _Fragment, statement_tokens: Sequence[Token] = ()) -> list[tuple[str, int | None]]:
    """(function name, file offset) of each call D1 refuses. A name is reported only when both the
    text (`name(` as written) and sqlglot's tree (a function call there) agree, so an allowed
    function is never reported because of how sqlglot names it."""
    candidates = _call_candidates(fragment.text, *_fragment_tokens(fragment, statement_tokens))
    if not candidates:
        return []
    source = fragment.prefix + fragment.text
    # sqlglot refuses a function it knows called with other arguments (`contains(a)`, an app's own
    # function that shares a name with another dialect's): its tree despite the error still says
    # where the calls are.
    tree = parse_with_sqlglot(source) or parse_with_sqlglot(source, lenient=True)
    if tree is None:
        return []  # the dev database still reports the failure
    from sqlglot import exp

    shift = len(fragment.prefix)
    calls: dict[str, int | None] = {}
    for node in tree.find_all(exp.Func):
        if isinstance(node.parent, exp.Table):
            continue  # a table-valued function (json_each): D1 reports a missing one as a table
        written, at = _written_name(node, source)
        if written is not None:
            names = {written}
        else:
            names = {n.lower() for n in type(node).sql_names()} | {node.sql_name().lower()}
            if not node.meta:  # parsed by its own grammar (`position(a IN b)`): the name is the call's
                names |= _special_syntax_names()
        for name in sorted(names & candidates.keys()):
            position = at - shift if at is not None and written is not None else candidates[name]
            calls.setdefault(name, position)
    return [
        (name, fragment.offset + position if fragment.offset is not None and position is not None else None)
        for name, position in sorted(calls.items(), key=lambda item: (item[1] or 0, item[0]))
    ]


@functools.cache
def _special_syntax_names() -> frozenset[str]:
    """The function names sqlglot parses with a grammar of their own (EXTRACT, POSITION,
    CONVERT...): the node it builds keeps no position and may bear another name."""
    from sqlglot.dialects.sqlite import SQLite

    return frozenset(name.lower() for name in SQLite.parser_class.FUNCTION_PARSERS)


def _written_name(node: exp.Func, source: str) -> tuple[str | None, int | None]:
    """The function name as written in `source` (sqlglot's position of the name), or (None, None)."""
    from sqlglot import exp

    meta = node.meta
    start, end = meta.get("start"), meta.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end < len(source):
        written = source[start : end + 1].strip('"`[]').lower()
        if _opens_parenthesis(source, end + 1) and written.replace("_", "a").replace("$", "a").isalnum():
            return written, start
    if isinstance(node, exp.Anonymous):
        return node.name.lower(), None
    return None, None


# --- shared helpers ----------------------------------------------------------------------------


def _opens_parenthesis(source: str, at: int) -> bool:
    """Whether `(` follows `at` in `source`, after white space only."""
    while at < len(source) and source[at].isspace():
        at += 1
    return at < len(source) and source[at] == "("


def _unquoted(value: str) -> str:
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    return text


RULES: tuple[Rule, ...] = (
    PragmaForeignKeys(),
    PragmaNotAllowed(),
    ExplicitTransaction(),
    AttachOrVacuum(),
    TempObject(),
    ReservedName(),
    VirtualTableModule(),
    FunctionNotAllowed(),
)

__all__ = [
    "RULES",
    "AttachOrVacuum",
    "ExplicitTransaction",
    "FunctionNotAllowed",
    "PragmaForeignKeys",
    "PragmaNotAllowed",
    "ReservedName",
    "TempObject",
    "VirtualTableModule",
]
