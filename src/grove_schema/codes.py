"""The codes that are not lint rules: what the replay itself reports (GS1xx), the ownership map
(GS2xx), migration numbering, the reservation and the lock (GS3xx), suppression comments (GS5xx)
and the code audit (GS6xx). Each is a `RuleInfo` with the same contract as a rule's: a stable
code, a kebab-case name, a default severity and a doc. `registry` lists them with the lint rules."""

from __future__ import annotations

from grove_schema.findings import RuleInfo, Severity

# Replay: what the replay itself reports (GS1xx).
PARSE_ERROR = RuleInfo(
    "GS101",
    "parse-error",
    Severity.ERROR,
    "SQL that does not parse",
    doc="""\
SQL that does not parse

**Problem**: SQLite's parser refuses the statement. D1 fails the migration with the same syntax
error, rolls back the whole file and stops applying migrations there, so every later migration
waits too. The usual cause is syntax from another database or from a newer SQLite than D1 runs:
`ADD COLUMN IF NOT EXISTS`, several `ADD COLUMN`s in one statement, `TRUNCATE`,
`ALTER COLUMN ... TYPE`, `ADD CONSTRAINT`.

**Anti-pattern**:
```sql
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname TEXT;
ALTER TABLE users ADD COLUMN a TEXT, ADD COLUMN b TEXT;
TRUNCATE users;
```

**Fix**: one column per `ALTER TABLE`, without `IF NOT EXISTS` (the stream's order already says
the column is new); `DELETE FROM` instead of `TRUNCATE`. A change of type or constraint needs the
table rebuild (create a new table, copy, drop, rename).
```sql
ALTER TABLE users ADD COLUMN nickname TEXT;
ALTER TABLE users ADD COLUMN a TEXT;
ALTER TABLE users ADD COLUMN b TEXT;
DELETE FROM users;
```""",
)
UNSUPPORTED_STATEMENT = RuleInfo(
    "GS102",
    "unsupported-statement",
    Severity.WARNING,
    "a statement grove-schema does not model",
    doc="""\
a statement grove-schema does not model

**Problem**: SQLite accepts the statement, but grove-schema does not model what it changes, so
the schema model after it may be incomplete: the rules that read the model, `inspect` and `plan`
may miss a table or a column it creates. D1 runs it as SQLite does; the warning is about what
grove-schema can check, not about D1.

**Anti-pattern**: a `CREATE TABLE ... AS SELECT` with an unnamed expression column (its name
and type are whatever SQLite derives from the expression).
```sql
CREATE TABLE post_counts AS SELECT tenant_id, count(*) FROM posts GROUP BY tenant_id;
```

**Fix**: declare the table with its columns and types, then fill it (or at least name every
expression with `AS`).
```sql
CREATE TABLE post_counts (tenant_id TEXT NOT NULL, post_count INTEGER NOT NULL);
INSERT INTO post_counts (tenant_id, post_count)
SELECT tenant_id, count(*) FROM posts GROUP BY tenant_id;
```""",
)
SQLITE_ERROR = RuleInfo(
    "GS103",
    "sqlite-error",
    Severity.ERROR,
    "a statement the D1-profile dev database rejects",
    doc="""\
a statement the D1-profile dev database rejects

**Problem**: every statement runs, in order, in an in-memory SQLite set up as D1 sets up its own
(foreign keys always enforced, D1's allow-lists of PRAGMAs, functions and virtual-table modules,
D1's limits). A statement that fails there fails in D1: D1 rolls back the whole file and stops
applying migrations at it. The message quotes SQLite. When a lint rule accounts for the failure,
its finding (which names the cause and the fix) replaces this one.

**Anti-pattern**: an index on a column that no migration created.
```sql
CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
CREATE INDEX idx_posts_slug ON posts (slug);  -- no such column: slug
```

**Fix**: make the statement valid against the schema as the earlier migrations left it
(`grove-schema inspect TABLE` shows it).
```sql
ALTER TABLE posts ADD COLUMN slug TEXT;
CREATE INDEX idx_posts_slug ON posts (slug);
```""",
)
UNREADABLE_FILE = RuleInfo(
    "GS104",
    "unreadable-file",
    Severity.ERROR,
    "a migration file that cannot be read as UTF-8 text",
    doc="""\
a migration file that cannot be read as UTF-8 text

**Problem**: the file cannot be read, is not valid UTF-8 (an editor saved it as UTF-16 or
Latin-1) or is binary. grove-schema cannot replay it, so nothing it creates or changes is
checked, and the SQL that wrangler sends to D1 is not the text you meant.

**Anti-pattern**:
```console
$ file libs/engine/migrations/0007_add_notes.sql
libs/engine/migrations/0007_add_notes.sql: Unicode text, UTF-16, little-endian text
```

**Fix**: save the file as UTF-8 (without a byte-order mark), before it is applied.
```console
$ iconv -f UTF-16 -t UTF-8 libs/engine/migrations/0007_add_notes.sql > /tmp/0007.sql
$ mv /tmp/0007.sql libs/engine/migrations/0007_add_notes.sql
```""",
)
MISSING_SEMICOLON = RuleInfo(
    "GS105",
    "missing-semicolon",
    Severity.ERROR,
    "the last statement of a file has no `;` (wrangler appends its bookkeeping INSERT)",
    doc="""\
the last statement of a file has no `;` (wrangler appends its bookkeeping INSERT)

**Problem**: wrangler runs each migration as the file's text followed by
`INSERT INTO d1_migrations (name) values ('<name>')`, in one transaction. When the last statement
has no `;`, the INSERT is glued to it and D1 fails with `near "INSERT": syntax error`: the file
rolls back and no later migration is applied. SQLite alone would accept the file.

**Anti-pattern**:
```sql
CREATE INDEX idx_posts_tenant ON posts (tenant_id)
```

**Fix**: end every statement, the last one too, with `;`.
```sql
CREATE INDEX idx_posts_tenant ON posts (tenant_id);
```""",
)
UNTERMINATED_COMMENT = RuleInfo(
    "GS106",
    "unterminated-comment",
    Severity.ERROR,
    "a `/*` comment runs to the end of the file and swallows wrangler's bookkeeping INSERT",
    doc="""\
a `/*` comment runs to the end of the file and swallows wrangler's bookkeeping INSERT

**Problem**: wrangler appends its `INSERT INTO d1_migrations ...` to the file's text. A `/*`
comment that is never closed turns that INSERT into comment: the migration runs but is not
recorded as applied, so wrangler runs it again on the next apply (and a second `CREATE TABLE`
then fails).

**Anti-pattern**:
```sql
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
/* TODO: index body once the search page lands
```

**Fix**: close the comment with `*/`, or use `--` line comments.
```sql
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
-- TODO: index body once the search page lands
```""",
)
EMPTY_MIGRATION = RuleInfo(
    "GS107",
    "empty-migration",
    Severity.WARNING,
    "a migration file with no SQL statement",
    doc="""\
a migration file with no SQL statement

**Problem**: a file with no statement (empty, or every statement commented out) is still applied:
wrangler runs its bookkeeping INSERT and records the name. It records only names, so SQL added to
the file after it was applied never runs anywhere that applied the empty version. Usually a file
created by `wrangler d1 migrations create` or `grove-schema new` and committed before its SQL.

**Anti-pattern**:
```sql
-- Migration 085: pin_posts
-- ALTER TABLE posts ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
```

**Fix**: write the SQL before the file is applied anywhere, or delete the file.
```sql
-- Migration 085: pin_posts
ALTER TABLE posts ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
```""",
)
UNRESOLVED_PLACEHOLDER = RuleInfo(
    "GS108",
    "unresolved-placeholder",
    Severity.ERROR,
    "a Flyway placeholder that the database's placeholders give no value",
    doc="""\
a Flyway placeholder that the database's placeholders give no value

**Problem**: with `placeholders` set for a database, grove-schema reads its migrations as Flyway
does: every `${name}` is replaced by its value before the SQL runs. A placeholder with no value
makes Flyway refuse the migration ("No value provided for placeholder"), and grove-schema replays
the text as written, which SQLite cannot parse. Flyway's own `${flyway:...}` placeholders are
known at run time only (but `${flyway:filename}`, which is the file's name).

**Anti-pattern**:
```toml
[databases.engine]
placeholders = { schema = "main" }
```
```sql
CREATE TABLE ${tenant}.audit (id INTEGER PRIMARY KEY);
```

**Fix**: give the placeholder its value in `ownership.toml` (or fix its name in the SQL).
```toml
[databases.engine]
placeholders = { schema = "main", tenant = "main" }
```""",
)

TRANSACTION_ROLLED_BACK = RuleInfo(
    "GS111",
    "transaction-rolled-back",
    Severity.ERROR,
    "a statement that makes SQLite roll back the whole file (OR ROLLBACK, RAISE(ROLLBACK))",
    doc="""\
a statement that makes SQLite roll back the whole file (OR ROLLBACK, RAISE(ROLLBACK))

**Problem**: the statement failed in a way that makes SQLite roll back the whole transaction, not
just the statement: an `INSERT OR ROLLBACK` or `UPDATE OR ROLLBACK` that hits a constraint, a
column or table declared `ON CONFLICT ROLLBACK` that a write violates, a trigger that calls
`RAISE(ROLLBACK, ...)`, a write that the time budget interrupted, or a write that ran out of the
dev database's memory. D1 runs each migration file as one transaction: real local D1 fails the
file with `internal error; reference = ...` and rolls all of it back, so nothing the file did
happened. grove-schema goes on from the state before the file (the rest of the file is checked by
the lint rules on the schema model, but not run), so later files may report what this file would
have created as missing.

**Anti-pattern**:
```sql
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT UNIQUE ON CONFLICT ROLLBACK);
INSERT INTO tags (name) VALUES ('news');
INSERT INTO tags (name) VALUES ('news');  -- rolls back the whole file
```

**Fix**: do not rely on ROLLBACK conflict resolution in a migration. Make the write idempotent
(`INSERT OR IGNORE`, `ON CONFLICT DO NOTHING`), or let it fail with the default `ABORT` so the
message names the constraint.
```sql
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
INSERT OR IGNORE INTO tags (name) VALUES ('news');
```""",
)
TIME_BUDGET = RuleInfo(
    "GS112",
    "time-budget",
    Severity.ERROR,
    "a file or a whole run spent its time budget in the dev database: what was not run is listed",
    doc="""\
a file or a whole run spent its time budget in the dev database: what was not run is listed

**Problem**: every statement runs in the dev database with a time budget, and so does every file
and the whole run (`[dev_database]` in ownership.toml: `statement_seconds`, `file_seconds`,
`run_seconds`). A migration that loops (a recursive CTE without an end, a cross join of large
tables) spends them. When a file's budget is spent, its remaining statements are not run (the
lint rules still judge them on the schema model); when the run's budget is spent, the rest of the
stream and the other databases are replayed on the schema model alone. The finding lists what was
not run, so nothing passes unread: the SQL there was not checked against SQLite.

**Anti-pattern**:
```sql
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n;
```

**Fix**: bound the query (`WHERE i < 1000`, `LIMIT`); a migration has no reason to run for
seconds. If a legitimate stream needs more time, raise the budget in ownership.toml.
```sql
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT count(*) FROM n;
```""",
)
MEMORY_LIMIT = RuleInfo(
    "GS113",
    "memory-limit",
    Severity.ERROR,
    "a statement that takes the dev database past its memory limit",
    doc="""\
a statement that takes the dev database past its memory limit

**Problem**: the dev database keeps SQLite's heap below a fixed limit (256 MiB), so that a
stream that writes gigabytes (a large `zeroblob()` or `randomblob()` in many rows) is a finding,
not a machine out of memory. D1 itself limits a string, a BLOB and a row to 2,200,000 bytes
(`string or blob too big`, real local D1) but accepts databases of gigabytes; a migration that
fills them is seldom what was meant. SQLite's failure loses the file's transaction: grove-schema
goes on from the state before the file, and the rest of the file is checked by the lint rules
only.

**Anti-pattern**:
```sql
INSERT INTO attachments (body) VALUES (zeroblob(2000000));  -- repeated 500 times: 1 GB
```

**Fix**: load data with `wrangler d1 execute --file` or from the application, not in a schema
migration.
```sql
CREATE TABLE attachments (id INTEGER PRIMARY KEY, body BLOB);
```""",
)

# Ownership: the map in ownership.toml against the streams (GS2xx).
PENDING_MOVE = RuleInfo(
    "GS201",
    "pending-move",
    Severity.INFO,
    "a table that lives in one database's stream but belongs to another",
    doc="""\
a table that lives in one database's stream but belongs to another

**Problem**: ownership.toml gives the table to another database, but the replay finds it living
in this stream (not yet created in the owner's stream, or copied there and not yet dropped here).
Nothing is wrong yet: the split is planned, not done. The finding (info) tracks its progress, one
per table and one summary per pair of databases; `grove-schema plan` lists the moves.

**Anti-pattern**: a map that moves a table, and a stream that still holds it.
```toml
[databases.curios]
migrations = "libs/engine/migrations/curios"
tables = ["gallery_images"]   # still created by libs/engine/migrations/024_gallery_curio.sql
```

**Fix**: finish the move: create the table in the owner's stream, copy the rows, then drop it
from the old database in a migration of its own stream.
```sql
-- libs/engine/migrations/curios/0001_gallery_images.sql
CREATE TABLE gallery_images (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, url TEXT NOT NULL);
-- libs/engine/migrations/0090_drop_moved_gallery_images.sql, once the rows are copied
DROP TABLE gallery_images;
```""",
)
FOREIGN_TABLE_CHANGE = RuleInfo(
    "GS202",
    "foreign-table-change",
    Severity.ERROR,
    "a migration creates or alters another database's table",
    doc="""\
a migration creates or alters another database's table

**Problem**: the migration creates, alters or indexes a table that ownership.toml gives to another
database, one that already has its own stream. The change lands in the wrong D1 database: the
owner never gets it, and the two copies drift apart. (A change followed later in the same stream
by the table's drop is the history of a completed move, and is not reported.) When the table has
already moved, the change fails where it is written (`no such table`: the table lives in the
owner's stream); the finding then takes the place of that `sqlite-error`, for an ALTER TABLE, a
CREATE INDEX or CREATE TRIGGER on it, a DROP TABLE, or an INSERT, UPDATE or DELETE. A table that
lives in one other database's stream only, and that no database's `tables` lists, is the map's
omission, not a move: the default database gets it for want of a line, and the finding gives the
`tables` line that lists it.

**Anti-pattern**: `gallery_images` belongs to `curios`.
```sql
-- libs/engine/migrations/0091_gallery_alt_text.sql
ALTER TABLE gallery_images ADD COLUMN alt_text TEXT;
```

**Fix**: write the change in the owner's stream (`grove-schema new NAME --database curios`); for
a table the map forgot, list it in its database's `tables`.
```sql
-- libs/engine/migrations/curios/0004_gallery_alt_text.sql
ALTER TABLE gallery_images ADD COLUMN alt_text TEXT;
```""",
)
UNOWNED_TABLE = RuleInfo(
    "GS203",
    "unowned-table",
    Severity.ERROR,
    "a table no database claims, with no default owner",
    doc="""\
a table no database claims, with no default owner

**Problem**: no database's `tables` patterns match the table and ownership.toml sets no
`default_database`, so the map cannot say where the table belongs: `plan` cannot place it and the
ownership rules cannot check it.

**Anti-pattern**:
```toml
[databases.obs]
migrations = "workers/vista-collector/migrations"
tables = ["observability_*"]
# the stream also creates vista_sessions, which no pattern matches
```

**Fix**: claim the table in a database's `tables`, or name a default owner in `[project]`.
```toml
[project]
default_database = "engine"      # owns every table no other database claims

[databases.obs]
tables = ["observability_*", "vista_sessions"]
```""",
)
CROSS_DATABASE_REFERENCE = RuleInfo(
    "GS204",
    "cross-database-reference",
    Severity.ERROR,
    "a foreign key, view or trigger that reads another database",
    doc="""\
a foreign key, view or trigger that reads another database

**Problem**: a foreign key, view or trigger in one stream reads a table that lives in another
database. D1 has no cross-database references: SQLite accepts the statement, but every write
that checks the key, every read of the view and every firing of the trigger then fails with
`no such table: main.<table>`. Before the split, a view that reads tables the map puts in
different databases, or a trigger that reads or writes a table the map puts in another database
than its own table's, is the same error at its CREATE line, and a blocker in `plan`: no database
can hold it after the split. At info severity the same rule summarises the references that a planned split will cut
(they still work today, in one database); `grove-schema plan` lists them.

**Anti-pattern**: in the curios stream, while `tenants` lives in the engine database.
```sql
CREATE TABLE polls (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
);
```

**Fix**: keep the identifier without the foreign key, and enforce it (and any cascade) in
application code.
```sql
CREATE TABLE polls (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL  -- tenants lives in grove-engine-db: checked by the application
);
```""",
)
LOST_CASCADE = RuleInfo(
    "GS205",
    "lost-cascade",
    Severity.INFO,
    "an ON DELETE CASCADE or SET NULL that a planned move cuts",
    doc="""\
an ON DELETE CASCADE or SET NULL that a planned move cuts

**Problem**: the map moves the parent and the child of a foreign key with `ON DELETE CASCADE` or
`SET NULL` into different databases. Today, deleting a parent row deletes (or clears) the child
rows; after the split no foreign key can cross databases, so those rows are orphaned unless
application code removes them.

**Anti-pattern**: the child moves, the cascade is silently lost.
```toml
[databases.curios]
tables = ["polls"]   # polls.tenant_id REFERENCES tenants(id) ON DELETE CASCADE; tenants stays in engine
```

**Fix**: do in application code what the cascade did, in the same request that deletes the
parent.
```sql
-- run against grove-curios-db whenever a tenant is deleted from grove-engine-db
DELETE FROM polls WHERE tenant_id = ?1;
```""",
)
RETIRED_STILL_REFERENCED = RuleInfo(
    "GS206",
    "retired-still-referenced",
    Severity.ERROR,
    "a retired table or column that something staying still needs",
    doc="""\
a retired table or column that something staying still needs

**Problem**: `[retired]` in ownership.toml marks a table or column as a planned drop, but a
foreign key, view or trigger that stays still needs it. The drop will then fail or do damage: a
`DROP TABLE` of a parent with no-action children fails in D1 (`FOREIGN KEY constraint failed`),
one with `ON DELETE CASCADE` children succeeds and deletes every child row, and a `DROP COLUMN`
that a view or trigger reads fails (`error in view ... after drop column`).

**Anti-pattern**:
```toml
[retired]
tables = { products = "shop deferred indefinitely" }
# but wishlist_items, which stays, has product_id REFERENCES products(id)
```

**Fix**: retire the dependent object too, or remove the reference in a migration before the drop.
```toml
[retired]
tables = { products = "shop deferred indefinitely", wishlist_items = "goes with the shop" }
```""",
)
CONFIG_PATTERN_UNMATCHED = RuleInfo(
    "GS207",
    "config-pattern-unmatched",
    Severity.WARNING,
    "a table pattern or retired table in ownership.toml that matches no table",
    doc="""\
a table pattern or retired table in ownership.toml that matches no table

**Problem**: a name or glob in a database's `tables` matches no table in any stream: a typo, or a
table renamed or dropped since the map was written. The tables it was meant to claim fall to the
default owner without a word. A name under `[retired] tables` that no migration of any stream
ever creates is a typo: the table meant is not retired, and `drop --only retired` leaves it. (A
retired table that a migration created and a later one dropped is a drop already done: no
finding.) The finding points at the entry's line and names the nearest table.

**Anti-pattern**:
```toml
[databases.obs]
tables = ["observabilty_*"]
```

**Fix**: correct the pattern, or remove it.
```toml
[databases.obs]
tables = ["observability_*"]
```""",
)

# Numbering: wrangler's ordering, the reservation file and the lock (GS3xx).
DUPLICATE_NUMBER = RuleInfo(
    "GS301",
    "duplicate-number",
    Severity.ERROR,
    "two files of one stream share a number",
    doc="""\
two files of one stream share a number

**Problem**: wrangler orders files by the integer before the first `_` (ties by full name) and
records only names, so two files with one number are both applied, silently, in name order. Two
branches that each took the next number merge into a collision whose order nobody chose.

**Anti-pattern**:
```console
$ ls libs/engine/migrations
...  085_add_flags.sql  085_sentinel_alerts.sql
```

**Fix**: renumber the file that is not applied yet: `grove-schema new` gives it the next number
(move its SQL there and delete the old file). Numbers that collided before the rules existed and
are applied everywhere go in `grandfathered_collisions`.
```console
$ grove-schema new sentinel_alerts
libs/engine/migrations/086_sentinel_alerts.sql
```
```toml
[databases.engine]
grandfathered_collisions = ["031", "032", "056"]   # applied before the rules existed
```""",
)
CONFIG_GRANDFATHER_UNUSED = RuleInfo(
    "GS302",
    "config-grandfather-unused",
    Severity.WARNING,
    "a grandfathered number with no collision",
    doc="""\
a grandfathered number with no collision

**Problem**: `grandfathered_collisions` lists a number that fewer than two files carry: a typo,
or a collision that was resolved. A stale entry would let a new collision on that number pass
unnoticed.

**Anti-pattern**:
```toml
[databases.engine]
grandfathered_collisions = ["031", "032", "056", "070"]   # only one file is numbered 070
```

**Fix**: remove the number from the list.
```toml
[databases.engine]
grandfathered_collisions = ["031", "032", "056"]
```""",
)
RESERVATION_MISMATCH = RuleInfo(
    "GS303",
    "reservation-mismatch",
    Severity.ERROR,
    "the reservation file does not hold the next number",
    doc="""\
the reservation file does not hold the next number

**Problem**: the reservation file (`reservation` in ownership.toml) should hold the highest
migration number + 1. It does not when a migration was added without the bump, numbered past the
reservation, or the reservation was bumped too far, or holds no number (an unresolved merge
conflict). The reservation is what makes two branches that take the same number conflict in git;
out of step, it protects nothing.

**Anti-pattern**: a migration added by hand, without the bump.
```console
$ cat libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt
085
$ ls libs/engine/migrations | tail -n 1
085_add_flags.sql
```

**Fix**: create migrations with `grove-schema new`, which takes the reserved number and bumps the
reservation in one step; otherwise set the file to the highest number + 1.
```console
$ grove-schema new add_flags
libs/engine/migrations/085_add_flags.sql
$ cat libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt
086
# last: 085_add_flags.sql (a merge conflict here means two branches took one number)
```""",
)
RESERVATION_MISSING = RuleInfo(
    "GS304",
    "reservation-missing",
    Severity.ERROR,
    "the configured reservation file does not exist",
    doc="""\
the configured reservation file does not exist

**Problem**: the database names a `reservation` file in ownership.toml that does not exist, so
nothing makes two branches that take the same number conflict, and `grove-schema new` refuses to
create migrations.

**Anti-pattern**:
```toml
[databases.engine]
migrations = "libs/engine/migrations"
reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"   # not in the repository
```

**Fix**: create it holding the highest number + 1 (in the stream's digit width), and commit it.
```console
$ printf '085\\n' > libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt
```""",
)
OUT_OF_ORDER = RuleInfo(
    "GS305",
    "out-of-order",
    Severity.ERROR,
    "a new file numbered below the highest locked migration",
    doc="""\
a new file numbered below the highest locked migration

**Problem**: wrangler applies every file whose name is not recorded yet, in number order. A new
file numbered below a migration that production already applied (the highest in
`migrations.lock`) is applied after it, out of order, without a warning: a branch that took its
number long ago and merged late.

**Anti-pattern**: the lock holds `084_moodring_show_log.sql`; a late branch brings
```console
$ ls libs/engine/migrations
...  083_add_flags.sql  084_moodring_show_log.sql
```

**Fix**: give the new file the next number (move its SQL there and delete the old file).
```console
$ grove-schema new add_flags
libs/engine/migrations/085_add_flags.sql
```""",
)
FILENAME = RuleInfo(
    "GS306",
    "filename",
    Severity.WARNING,
    "a migration file name wrangler mishandles or ignores",
    doc="""\
a migration file name wrangler mishandles or ignores

**Problem**: wrangler applies only `*.sql` files directly in the migrations directory, unless the
database sets `migrations_pattern` (read by wrangler 4.98 and later) for a nested layout: a `.SQL`
name, a file in a sub-folder without a pattern, or a `.sql` file the pattern does not take (in a
folder where it takes nothing) is never applied. A file with no number has no place of its own:
wrangler's comparator calls it equal to every file, so where it runs depends on its neighbours.
A `'` in the name broke wrangler's bookkeeping INSERT before 4.105 (`near "s": syntax error`).

**Anti-pattern**:
```console
$ find libs/engine/migrations -type f
libs/engine/migrations/085_add_flags.SQL
libs/engine/migrations/086_tenant's_flags.sql
libs/engine/migrations/fixups.sql
libs/engine/migrations/old/001_core.sql
```

**Fix**: rename before the file is applied: a number, lower-case `.sql`, no quote; move files up
from sub-folders, set `migrations_pattern` for a nested layout (`migrations/*/migration.sql`), or
give the folder its own database in ownership.toml.
```console
$ git mv libs/engine/migrations/085_add_flags.SQL libs/engine/migrations/085_add_flags.sql
$ git mv "libs/engine/migrations/086_tenant's_flags.sql" libs/engine/migrations/086_tenant_flags.sql
```""",
)
EDITED_MIGRATION = RuleInfo(
    "GS307",
    "edited-migration",
    Severity.ERROR,
    "a locked (applied) migration whose content changed",
    doc="""\
a locked (applied) migration whose content changed

**Problem**: the file's bytes no longer match its hash in `migrations.lock`. wrangler records only
names and never re-runs an applied migration, so production keeps the old version: the files no
longer describe the production schema, and a new database built from them differs from it.

**Anti-pattern**: editing an applied migration to add a column.
```sql
-- 084_moodring_show_log.sql, already applied
CREATE TABLE mood_ring_log (id TEXT PRIMARY KEY, mood TEXT NOT NULL, shown_at INTEGER);
```

**Fix**: restore the applied file and put the change in a new migration. If production was fixed
by hand to match the edit, `grove-schema lock --force` records the file as it is.
```sql
-- 085_mood_ring_shown_at.sql (from `grove-schema new mood_ring_shown_at`)
ALTER TABLE mood_ring_log ADD COLUMN shown_at INTEGER;
```""",
)
MISSING_MIGRATION = RuleInfo(
    "GS308",
    "missing-migration",
    Severity.ERROR,
    "a locked migration renamed or deleted",
    doc="""\
a locked migration renamed or deleted

**Problem**: a file that `migrations.lock` records as applied is gone from the stream. wrangler
records only names: a renamed file runs again under its new name (and fails, or duplicates its
work), and a deleted one means the files no longer rebuild the production schema.

**Anti-pattern**:
```console
$ git mv libs/engine/migrations/012_tags.sql libs/engine/migrations/012_post_tags.sql
```

**Fix**: restore the old name (or the deleted file); put further changes in a new migration.
```console
$ git mv libs/engine/migrations/012_post_tags.sql libs/engine/migrations/012_tags.sql
```""",
)

# Suppressions (GS5xx).
SYMLINKED_MIGRATION = RuleInfo(
    "GS309",
    "symlinked-migration",
    Severity.WARNING,
    "a migration that is a symbolic link",
    doc="""\
a migration that is a symbolic link

**Problem**: wrangler follows symbolic links: a `*.sql` link in the migrations directory is
applied like a file, with the SQL of whatever it points to. A review of the pull request sees a
one-line link, not the SQL that D1 will run; a link that points outside the project (an error)
runs SQL that the repository does not even hold, and grove-schema does not read it.

**Anti-pattern**:
```console
$ ls -l libs/engine/migrations
0085_cleanup.sql -> ../../../shared/cleanup.sql
```

**Fix**: replace the link by a copy of the SQL, so the migration is reviewed and locked as text.
```console
$ cd libs/engine/migrations && cp --remove-destination "$(readlink -f 0085_cleanup.sql)" 0085_cleanup.sql
```""",
)
HIDDEN_MIGRATION = RuleInfo(
    "GS310",
    "hidden-migration",
    Severity.WARNING,
    "a migration whose name starts with a dot",
    doc="""\
a migration whose name starts with a dot

**Problem**: wrangler applies every name that ends in `.sql`, dot-files included, and a name
such as `.0003_x.sql` has no number, so it lands wherever its neighbours put it (in real
local D1 it ran first beside plain numbers, fifth among `-1_`, `+3_` and plain names). `ls`,
most editors and many review tools hide dot-files: SQL that D1 runs and nobody sees.

**Anti-pattern**:
```console
$ ls -a libs/engine/migrations
.  ..  .0003_hidden.sql  0001_init.sql  0002_users.sql
```

**Fix**: give the file a visible name and the next number, or delete it if it is not meant to run.
```console
$ git mv libs/engine/migrations/.0003_hidden.sql libs/engine/migrations/0003_hidden.sql
```""",
)
UNAPPLIABLE_ENTRY = RuleInfo(
    "GS311",
    "unappliable-entry",
    Severity.ERROR,
    "a `.sql` name wrangler lists but cannot read (a directory, a FIFO, a broken link)",
    doc="""\
a `.sql` name wrangler lists but cannot read (a directory, a FIFO, a broken link)

**Problem**: wrangler takes every directory entry whose name ends in `.sql`. When it reaches one
that is not a readable file it stops: a directory crashes the apply with `EISDIR`, a broken or
looping symbolic link with `ENOENT` or `ELOOP`, and a FIFO blocks it. The migrations before it are
applied, the ones after it never are. grove-schema cannot replay such an entry either.

**Anti-pattern**:
```console
$ ls -F libs/engine/migrations
0001_init.sql  0002_backup.sql/  0003_users.sql
```

**Fix**: rename or move the entry so that its name no longer ends in `.sql`.
```console
$ git mv libs/engine/migrations/0002_backup.sql libs/engine/backups/0002_backup
```""",
)
SURPRISING_ORDER = RuleInfo(
    "GS312",
    "surprising-order",
    Severity.WARNING,
    "a file name whose place in wrangler's order is not what its name suggests",
    doc="""\
a file name whose place in wrangler's order is not what its name suggests

**Problem**: wrangler orders migrations by JavaScript's `parseInt` of the text before the first
`_`, so `-1_x.sql` is -1 and runs first, `+3_x.sql` is 3, `0x10_x.sql` is 16, and a name that
starts with digits that are not ASCII (`٠٠٣_x.sql`, Arabic-Indic) has no number at all: its place
then depends on the files around it. Numbers of over 15 digits are rounded. The stream runs in
an order that no reader of the names would guess.

**Anti-pattern**:
```console
$ ls libs/engine/migrations
+3_add_flags.sql  -1_fixup.sql  0001_init.sql  0002_users.sql
```

**Fix**: plain ASCII digits at the start of every name, the next number for a new file.
```console
$ grove-schema new fixup
libs/engine/migrations/0003_fixup.sql
```""",
)
UNREADABLE_BOOKKEEPING = RuleInfo(
    "GS313",
    "unreadable-bookkeeping",
    Severity.ERROR,
    "a lock or reservation file that is not a small regular UTF-8 file",
    doc="""\
a lock or reservation file that is not a small regular UTF-8 file

**Problem**: `migrations.lock` and the reservation file (`NEXT_MIGRATION_NUMBER.txt`) are a few
lines of text. grove-schema refuses to read one that is a directory, a FIFO, a device or larger
than 1 MiB (a FIFO would block every hook run, a device or a huge file exhaust memory), or that
is not UTF-8; the checks that need it (edited and out-of-order migrations, the next number) are
then skipped for that stream.

**Anti-pattern**:
```console
$ ls -l libs/engine/migrations/migrations.lock
prw-r--r-- 1 dev dev 0 Mar  1 12:00 libs/engine/migrations/migrations.lock
```

**Fix**: replace it by a regular file: `grove-schema lock` writes the lock again; the reservation
holds the next number.
```console
$ rm libs/engine/migrations/migrations.lock && grove-schema lock
```""",
)
JOURNAL_MISMATCH = RuleInfo(
    "GS314",
    "journal-mismatch",
    Severity.WARNING,
    "drizzle-kit's meta/_journal.json and the migration files disagree",
    doc="""\
drizzle-kit's meta/_journal.json and the migration files disagree

**Problem**: drizzle-kit's migrator applies the entries of `meta/_journal.json`, in its order, each
from the file named by its `tag`. A migration file the journal does not list is never applied
(a warning: it was written by hand, or the journal lost it in a merge), and an entry without its
file stops the migrator (an error). grove-schema replays the journal's files in its order, so a
file left out is not checked against the schema either. A journal that is not JSON, or has no
`entries`, is not used (a warning), and the stream is checked in the layout's own order.

**Anti-pattern**:
```console
$ ls drizzle
0000_init.sql  0001_posts.sql  0002_pins.sql  meta
$ grep tag drizzle/meta/_journal.json
      "tag": "0000_init",
      "tag": "0001_posts",
```

**Fix**: let drizzle-kit write the migration and its journal entry (`drizzle-kit generate`), or
add the missing entry by hand; remove a file that is not meant to be applied.
```console
$ grep tag drizzle/meta/_journal.json
      "tag": "0000_init",
      "tag": "0001_posts",
      "tag": "0002_pins",
```""",
)
SUPPRESSION_MALFORMED = RuleInfo(
    "GS501",
    "suppression-malformed",
    Severity.ERROR,
    "a grove-schema suppression comment without a reason or rule",
    doc="""\
a grove-schema suppression comment without a reason or rule

**Problem**: a `-- grove-schema: ignore` or `ignore-file` comment that names no rule, names a rule
that does not exist, or gives no reason. It silences nothing, and a suppression without a reason
cannot be reviewed: nobody can tell later whether it still applies.

**Anti-pattern**:
```sql
-- grove-schema: ignore destructive-change
DROP TABLE legacy_sessions;
-- grove-schema: ignore drop-table -- legacy
DROP TABLE legacy_tokens;
```

**Fix**: name the rule by code or name (`grove-schema rules` lists them) and give the reason after
` -- `.
```sql
-- grove-schema: ignore destructive-change -- sessions moved to KV in 2024; table empty since
DROP TABLE legacy_sessions;
```""",
)
SUPPRESSION_UNUSED = RuleInfo(
    "GS502",
    "suppression-unused",
    Severity.WARNING,
    "a suppression comment that silenced nothing",
    doc="""\
a suppression comment that silenced nothing

**Problem**: a suppression whose rule reported nothing where it applies: the problem was fixed,
the rule was renamed, or the comment is not where it applies (a line suppression covers the
statement that starts on its line, or the statement right below it). A stale suppression hides
the next real problem at that place.

**Anti-pattern**: another statement between the comment and the one it was meant for.
```sql
-- grove-schema: ignore destructive-change -- sessions moved to KV
CREATE INDEX idx_users_email ON users (email);
DROP TABLE legacy_sessions;
```

**Fix**: remove it, or put it on the statement's first line or right above the statement.
```sql
CREATE INDEX idx_users_email ON users (email);
-- grove-schema: ignore destructive-change -- sessions moved to KV
DROP TABLE legacy_sessions;
```""",
)

# The code audit: which code reaches which table through which binding (GS6xx).
WRONG_BINDING = RuleInfo(
    "GS601",
    "wrong-binding",
    Severity.ERROR,
    "code that queries a table through a binding whose database does not hold it",
    doc="""\
code that queries a table through a binding whose database does not hold it

**Problem**: a `prepare`, `exec` or `batch` reaches a table through a D1 binding (`env.DB`) whose
database does not hold that table: the table was moved to another database, or the map owns it
elsewhere and it never lived here. D1 fails the query at run time with `no such table`, often
inside a `.catch(() => null)` that turns the failure into an empty page. While the move is still
pending (the old database still holds the table) the call site is reported as info: it is a
line of `grove-schema plan`'s list of call sites to switch, not a failure yet.

**Anti-pattern**: `timeline_curio_config` moved to grove-curios-db; the route still uses DB.
```ts
const db = platform?.env?.DB;
const config = await db.prepare("SELECT * FROM timeline_curio_config WHERE tenant_id = ?")
  .bind(tenantId).first().catch(() => null);
```

**Fix**: use the binding that reaches the database holding the table, declared in the worker's
wrangler config.
```ts
const db = platform?.env?.CURIO_DB;
const config = await db.prepare("SELECT * FROM timeline_curio_config WHERE tenant_id = ?")
  .bind(tenantId).first();
```""",
)
UNDECLARED_BINDING = RuleInfo(
    "GS602",
    "undeclared-binding",
    Severity.ERROR,
    "code that uses a D1 binding its wrangler config does not declare",
    doc="""\
code that uses a D1 binding its wrangler config does not declare

**Problem**: the code reaches a D1 database as `env.B`, but the wrangler config that governs the
file (the nearest `wrangler.toml`, `wrangler.json` or `wrangler.jsonc` in its folder or above)
declares no D1 binding `B` in any environment. At run time `env.B` is `undefined`, so every
route that uses it throws `Cannot read properties of undefined (reading 'prepare')`. It happens
when a split adds a binding to the code but not to every worker's config.

**Anti-pattern**: the pulse worker's wrangler.toml declares only DB.
```ts
export default {
  async scheduled(event, env) {
    await env.CURIO_DB.prepare("DELETE FROM pulse_events WHERE created_at < ?").bind(cutoff).run();
  },
};
```

**Fix**: declare the binding in the worker's wrangler config (every environment that deploys it).
```toml
[[d1_databases]]
binding = "CURIO_DB"
database_name = "grove-curios-db"
database_id = "..."
```""",
)
UNKNOWN_TABLE = RuleInfo(
    "GS603",
    "unknown-table",
    Severity.WARNING,
    "a query that names a table no migration stream creates",
    doc="""\
a query that names a table no migration stream creates

**Problem**: a statement in the code names a table, view or virtual table that no configured
migration stream creates. It is a typo, or code left behind when a migration dropped the table;
either way D1 answers `no such table` when the code runs.

**Anti-pattern**: the migrations create `guestbook_entries`.
```ts
await db.prepare("SELECT * FROM guestbook_entry WHERE tenant_id = ?").bind(tenantId).all();
```

**Fix**: name the table the migrations create, or delete the code that used the dropped table.
```ts
await db.prepare("SELECT * FROM guestbook_entries WHERE tenant_id = ?").bind(tenantId).all();
```""",
)
UNKNOWN_COLUMN = RuleInfo(
    "GS604",
    "unknown-column",
    Severity.ERROR,
    "a query that names a column its table does not have",
    doc="""\
a query that names a column its table does not have

**Problem**: a statement in the code names a column that its table does not have in the database
the binding reaches, as the migrations leave it: code left behind by a `DROP COLUMN` or a
`RENAME COLUMN`, or a typo. D1 fails the query with `no such column`. Columns are resolved
through aliases, joins, CTEs and subqueries; `SELECT *` and any column that could belong to more
than one table are left alone.

**Anti-pattern**: a migration renamed `posts.body` to `content_markdown`.
```ts
await db.prepare("SELECT id, body FROM posts WHERE tenant_id = ?").bind(tenantId).all();
```

**Fix**: use the column's current name (or stop reading the dropped column).
```ts
await db.prepare("SELECT id, content_markdown FROM posts WHERE tenant_id = ?").bind(tenantId).all();
```""",
)
CROSS_DATABASE_QUERY = RuleInfo(
    "GS605",
    "cross-database-query",
    Severity.ERROR,
    "one statement that joins or sub-selects tables of two databases",
    doc="""\
one statement that joins or sub-selects tables of two databases

**Problem**: one statement reads or writes tables that live in two different D1 databases. A D1
statement runs inside one database and cannot see another, so it fails with `no such table`.
While the tables still share a database and only the map puts them apart, the statement is
reported as info: it must be rewritten before the move.

**Anti-pattern**: `tenants` stays in grove-engine-db, `guestbook_entries` moves to grove-curios-db.
```ts
await db.prepare(
  "SELECT g.* FROM guestbook_entries g JOIN tenants t ON t.id = g.tenant_id WHERE t.subdomain = ?",
).bind(subdomain).all();
```

**Fix**: query each database through its own binding and join in the application.
```ts
const tenant = await env.DB.prepare("SELECT id FROM tenants WHERE subdomain = ?").bind(subdomain).first();
const entries = await env.CURIO_DB.prepare("SELECT * FROM guestbook_entries WHERE tenant_id = ?")
  .bind(tenant.id).all();
```""",
)
UNRESOLVED_CALL_SITE = RuleInfo(
    "GS606",
    "unresolved-call-site",
    Severity.INFO,
    "a D1 call site whose binding or SQL cannot be known without running the code",
    doc="""\
a D1 call site whose binding or SQL cannot be known without running the code

**Problem**: grove-schema reads the code statically. When a call site's receiver cannot be traced
to an `env.B` binding (it comes from a function's parameter that no caller passes a binding to,
from an object property, from another package), or its SQL is built at run time, the tables it
touches through which database are unknown, so none of the code rules can judge it. It is listed
so that nothing is silently left out: `grove-schema callers` shows it too.

**Anti-pattern**: the column comes from a variable.
```ts
const rows = await db.prepare(`SELECT * FROM posts ORDER BY ${sortColumn}`).all();
```

**Fix**: keep the SQL static (choose among fixed statements), and pass the binding itself to
helpers, so the audit can follow it.
```ts
const ORDER = { newest: "SELECT * FROM posts ORDER BY published_at DESC", title: "SELECT * FROM posts ORDER BY title" };
const rows = await db.prepare(ORDER[sort] ?? ORDER.newest).all();
```""",
)
UNREADABLE_SOURCE = RuleInfo(
    "GS607",
    "unreadable-source",
    Severity.WARNING,
    "a source file or wrangler config the code audit cannot read",
    doc="""\
a source file or wrangler config the code audit cannot read

**Problem**: a TypeScript, JavaScript or Svelte file, a wrangler config or a tsconfig under the
`[code]` roots cannot be read (not UTF-8, unreadable) or parsed (a syntax error, malformed TOML or
JSONC). Its call sites and bindings are unknown to the audit, so a wrong binding in it would go
unreported.

**Anti-pattern**: a wrangler.jsonc with an unclosed object.
```jsonc
{ "name": "vista-collector", "d1_databases": [ { "binding": "OBS_DB" ]
```

**Fix**: fix the file (wrangler itself refuses a malformed config), or exclude generated files
with `[code] exclude`.
```toml
[code]
exclude = ["**/generated/**"]
```""",
)

CODES: tuple[RuleInfo, ...] = (
    PARSE_ERROR,
    UNSUPPORTED_STATEMENT,
    SQLITE_ERROR,
    UNREADABLE_FILE,
    MISSING_SEMICOLON,
    UNTERMINATED_COMMENT,
    EMPTY_MIGRATION,
    UNRESOLVED_PLACEHOLDER,
    TRANSACTION_ROLLED_BACK,
    TIME_BUDGET,
    MEMORY_LIMIT,
    PENDING_MOVE,
    FOREIGN_TABLE_CHANGE,
    UNOWNED_TABLE,
    CROSS_DATABASE_REFERENCE,
    LOST_CASCADE,
    RETIRED_STILL_REFERENCED,
    CONFIG_PATTERN_UNMATCHED,
    DUPLICATE_NUMBER,
    CONFIG_GRANDFATHER_UNUSED,
    RESERVATION_MISMATCH,
    RESERVATION_MISSING,
    OUT_OF_ORDER,
    FILENAME,
    EDITED_MIGRATION,
    MISSING_MIGRATION,
    SYMLINKED_MIGRATION,
    HIDDEN_MIGRATION,
    UNAPPLIABLE_ENTRY,
    SURPRISING_ORDER,
    UNREADABLE_BOOKKEEPING,
    JOURNAL_MISMATCH,
    SUPPRESSION_MALFORMED,
    SUPPRESSION_UNUSED,
    WRONG_BINDING,
    UNDECLARED_BINDING,
    UNKNOWN_TABLE,
    UNKNOWN_COLUMN,
    CROSS_DATABASE_QUERY,
    UNRESOLVED_CALL_SITE,
    UNREADABLE_SOURCE,
)
