"""Every finding's message says what fails, then how to fix it: `<what fails>; fix: <imperative>`
(`findings.FIX_SEPARATOR`). The findings are gathered from every project this repository ships
(the bundled example, tests/fixtures/layouts) and from one generated project per code, and the
test fails when a code has no case here, so a new code must bring one."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grove_schema.cli import main
from grove_schema.findings import FIX_SEPARATOR, Finding, Location, RuleInfo
from grove_schema.registry import all_rules

from .conftest import MINIMAL_CONFIG, REPO

# Codes whose messages are being reworked elsewhere (data-loss rules and cross-database advice).
REWORKED_ELSEWHERE: frozenset[str] = frozenset()

# How a fix begins: an imperative verb (or "if ...", "when ...", "before ..." that leads to one).
FIX_OPENINGS = frozenset(
    """
    add append ask bump change check choose close copy create declare delete drop end fill fix give keep
    leave list make mark move name put quote read record remove rename renumber replace restore
    rewrite run save set shorten split spread start stop switch take tell test turn undo update use
    retire correct regenerate convert query pass apply insert rebuild
    write when if before after once
    """.split()
)


@dataclass(frozen=True)
class Seen:
    code: str
    message: str
    where: str  # the case that produced it


@dataclass
class Case:
    """A project to check: migration files of the engine stream, extra files anywhere below the
    root, the map, and what to do before the check (`lock` it, then change files)."""

    files: dict[str, str | bytes] = field(default_factory=dict)
    config: str = MINIMAL_CONFIG
    extra: dict[str, str | bytes] = field(default_factory=dict)
    lock_then: dict[str, str | bytes | None] | None = None  # after `lock`: write (None: delete)
    links: dict[str, str] = field(default_factory=dict)  # link -> target, below the migrations
    directories: tuple[str, ...] = ()  # below the migrations


MIGRATIONS = "libs/engine/migrations"
PARENT = (
    "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE);\n"
)
POSTS = "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n"
TENANTS = "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n"


def _code_config(extra: str = "") -> str:
    return MINIMAL_CONFIG + extra + '\n[code]\nroots = ["."]\n'


WRANGLER = """\
name = "app"
main = "src/index.ts"

[[d1_databases]]
binding = "DB"
database_name = "grove-engine-db"
database_id = "00000000-0000-4000-8000-000000000000"
migrations_dir = "libs/engine/migrations"
"""


def _worker(body: str) -> str:
    return (
        "export default {\n  async fetch(request: Request, env: Env): Promise<Response> {\n"
        f"{body}"
        "    return new Response('ok');\n  },\n};\n"
    )


CURIOS = """
[databases.curios]
name = "grove-curios-db"
binding = "CURIO_DB"
migrations = "libs/curios/migrations"
tables = ["gallery_*"]
"""

# One project per code (at least): the smallest stream that makes grove-schema report it.
CASES: dict[str, Case] = {
    "GS101": Case({"001_a.sql": POSTS + "ALTER TABLE posts ADD COLUMN IF NOT EXISTS slug TEXT;\n"}),
    "GS102": Case({"001_a.sql": POSTS + "CREATE TABLE c AS SELECT count(*) FROM posts;\n"}),
    "GS103": Case({"001_a.sql": POSTS + "CREATE INDEX posts_slug ON posts (slug);\n"}),
    "GS104": Case({"001_a.sql": POSTS, "002_b.sql": b"\xff\xfeC\x00R\x00"}),
    "GS105": Case({"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY)"}),
    "GS106": Case({"001_a.sql": POSTS + "/* a comment never closed\n"}),
    "GS107": Case({"001_a.sql": POSTS, "002_b.sql": "-- nothing yet\n"}),
    "GS108": Case(
        {"001_a.sql": "CREATE TABLE ${prefix}posts (id INTEGER PRIMARY KEY);\n"},
        MINIMAL_CONFIG + 'placeholders = { other = "x" }\n',
    ),
    "GS111": Case(
        {
            "001_a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT ROLLBACK);\n"
            "INSERT INTO t VALUES (1, 'a');\n",
            "002_b.sql": "CREATE TABLE made (id INTEGER);\nINSERT INTO t VALUES (2, 'a');\nCREATE TABLE after (id);\n",
        }
    ),
    "GS112": Case(
        {
            "001_a.sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n" * 4
            + POSTS
        },
        MINIMAL_CONFIG + "\n[dev_database]\nstatement_seconds = 0.2\nfile_seconds = 0.3\n",
    ),
    "GS113": Case({"001_a.sql": "CREATE TABLE z (b BLOB);\n" + "INSERT INTO z VALUES (zeroblob(2000000));\n" * 500}),
    "GS201": Case(
        {"001_a.sql": TENANTS + "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY);\n"}, MINIMAL_CONFIG + CURIOS
    ),
    "GS203": Case(
        {"001_a.sql": POSTS},
        MINIMAL_CONFIG.replace('default_database = "engine"\n', "").replace(
            'migrations = "libs/engine/migrations"\n', 'migrations = "libs/engine/migrations"\ntables = ["users"]\n'
        ),
    ),
    "GS205": Case(
        {
            "001_a.sql": TENANTS + "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY, "
            "tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE);\n"
        },
        MINIMAL_CONFIG + CURIOS,
    ),
    "GS206": Case(
        {
            "001_a.sql": TENANTS + "CREATE TABLE shop (id INTEGER PRIMARY KEY);\n"
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop (id));\n"
        },
        MINIMAL_CONFIG + '\n[retired]\ntables = { shop = "the shop is closed" }\n',
    ),
    "GS207": Case(
        {"001_a.sql": TENANTS}, MINIMAL_CONFIG + CURIOS, extra={"libs/curios/migrations/README.md": "empty\n"}
    ),
    "GS207 retired": Case({"001_a.sql": TENANTS}, MINIMAL_CONFIG + '\n[retired]\ntables = { tenant = "gone" }\n'),
    "GS202 unlisted": Case(
        {"001_a.sql": POSTS},
        MINIMAL_CONFIG + CURIOS,
        extra={"libs/curios/migrations/001_w.sql": "CREATE TABLE widgets (id INTEGER PRIMARY KEY);\n"},
    ),
    "GS202 moved": Case(
        {"001_a.sql": POSTS, "002_b.sql": "ALTER TABLE gallery_images ADD COLUMN alt TEXT;\n"},
        MINIMAL_CONFIG + CURIOS,
        extra={"libs/curios/migrations/001_g.sql": "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY);\n"},
    ),
    "GS204": Case(
        {
            "001_a.sql": POSTS + "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY, post_id INTEGER);\n"
            "CREATE VIEW shown AS SELECT posts.title FROM posts\n"
            "  JOIN gallery_images ON gallery_images.post_id = posts.id;\n"
        },
        MINIMAL_CONFIG + CURIOS,
    ),
    "GS405": Case({"001_a.sql": PARENT, "002_b.sql": "DROP TABLE p;\n"}),
    "GS406": Case({"001_a.sql": PARENT, "002_b.sql": "ALTER TABLE p RENAME TO p_old;\n"}),
    "GS407": Case({"001_a.sql": POSTS + "PRAGMA foreign_keys = OFF;\n"}),
    "GS414": Case({"001_a.sql": POSTS + "INSERT INTO posts (title) VALUES (normalize('x'));\n"}),
    "GS419": Case({"001_a.sql": POSTS, "002_b.sql": "DROP TABLE posts;\n"}),
    "GS301": Case({"001_a.sql": POSTS, "001_b.sql": TENANTS}),
    "GS302": Case({"001_a.sql": POSTS}, MINIMAL_CONFIG + 'grandfathered_collisions = ["007"]\n'),
    "GS303": Case(
        {"001_a.sql": POSTS, "NEXT_MIGRATION_NUMBER.txt": "5\n"},
        MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n',
    ),
    "GS304": Case(
        {"001_a.sql": POSTS}, MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n'
    ),
    "GS305": Case({"001_a.sql": POSTS, "005_b.sql": TENANTS}, lock_then={"003_c.sql": "SELECT 1;\n"}),
    "GS306": Case({"001_a.sql": POSTS, "seed.sql": "SELECT 1;\n", "old/002_b.sql": "SELECT 1;\n"}),
    "GS307": Case({"001_a.sql": POSTS}, lock_then={"001_a.sql": POSTS + "CREATE INDEX t ON posts (title);\n"}),
    "GS308": Case({"001_a.sql": POSTS, "002_b.sql": TENANTS}, lock_then={"002_b.sql": None}),
    "GS309": Case(
        {"001_a.sql": POSTS}, extra={"shared/002_b.sql": TENANTS}, links={"002_b.sql": "../../../shared/002_b.sql"}
    ),
    "GS310": Case({"001_a.sql": POSTS, ".002_b.sql": TENANTS}),
    "GS311": Case({"001_a.sql": POSTS, "003_c.sql": TENANTS}, directories=("002_b.sql",)),
    "GS312": Case({"9_a.sql": POSTS, "10_b.sql": TENANTS, "-1_c.sql": "SELECT 1;\n"}),
    "GS313": Case({"001_a.sql": POSTS}, directories=("migrations.lock",)),
    "GS314": Case(
        {
            "0000_a.sql": POSTS,
            "0002_hand_written.sql": TENANTS,
            "meta/_journal.json": json.dumps(
                {
                    "version": "7",
                    "dialect": "sqlite",
                    "entries": [
                        {"idx": i, "version": "6", "when": 1760000000000 + i, "tag": tag, "breakpoints": True}
                        for i, tag in enumerate(("0000_a", "0001_lost"))
                    ],
                },
                indent=2,
            ),
        }
    ),
    "GS401": Case(
        {
            "001_a.sql": POSTS + "CREATE INDEX posts_title ON posts (title);\n",
            "002_b.sql": "ALTER TABLE posts DROP COLUMN title;\n",
        }
    ),
    "GS402": Case({"001_a.sql": POSTS, "002_b.sql": "ALTER TABLE posts ADD COLUMN slug TEXT NOT NULL;\n"}),
    "GS403": Case(
        {"001_a.sql": POSTS, "002_b.sql": "ALTER TABLE posts ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP;\n"}
    ),
    "GS404": Case({"001_a.sql": POSTS, "002_b.sql": "ALTER TABLE posts ADD COLUMN slug TEXT UNIQUE;\n"}),
    "GS408": Case({"001_a.sql": "PRAGMA journal_mode = WAL;\n" + POSTS}),
    "GS409": Case({"001_a.sql": "BEGIN TRANSACTION;\n" + POSTS + "COMMIT;\n"}),
    "GS410": Case({"001_a.sql": "ATTACH DATABASE 'x.db' AS x;\n" + POSTS}),
    "GS411": Case({"001_a.sql": "CREATE TEMP TABLE scratch (id INTEGER);\n" + POSTS}),
    "GS412": Case({"001_a.sql": "CREATE TABLE _cf_things (id INTEGER);\n" + POSTS}),
    "GS413": Case({"001_a.sql": "CREATE VIRTUAL TABLE places USING rtree (id, x0, x1);\n" + POSTS}),
    "GS415": Case({"001_a.sql": "CREATE TABLE wide (" + ", ".join(f"c{i} TEXT" for i in range(101)) + ");\n"}),
    "GS416": Case(
        {"001_a.sql": POSTS + "INSERT INTO posts (title) VALUES " + ", ".join(["('" + "x" * 90 + "')"] * 1200) + ";\n"}
    ),
    "GS417": Case({"001_a.sql": POSTS + "INSERT INTO posts (title) " + " UNION ALL ".join(["SELECT 'a'"] * 6) + ";\n"}),
    "GS418": Case({"001_a.sql": POSTS + "DELETE FROM posts WHERE title LIKE '" + "%ab" * 20 + "';\n"}),
    "GS420": Case(
        {
            "001_a.sql": POSTS
            + "CREATE TABLE tags (id INTEGER, name TEXT);\nCREATE INDEX ix ON posts (title);\n"
            + "CREATE INDEX IF NOT EXISTS ix ON tags (name);\n"
        }
    ),
    "GS420 table": Case(
        {"001_a.sql": POSTS + "CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, body TEXT);\n"}
    ),
    "GS420 view": Case({"001_a.sql": POSTS + "CREATE VIEW v AS SELECT 1;\nCREATE TABLE IF NOT EXISTS v (id);\n"}),
    "GS501": Case({"001_a.sql": "-- grove-schema: ignore\n" + POSTS}),
    "GS502": Case({"001_a.sql": "-- grove-schema: ignore GS402 -- nothing to ignore\n" + POSTS}),
    "GS601": Case(
        {"001_a.sql": TENANTS + "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY);\n"},
        _code_config(CURIOS),
        extra={
            "wrangler.toml": WRANGLER,
            "src/index.ts": _worker("    await env.DB.prepare('SELECT id FROM gallery_images').all();\n"),
        },
    ),
    "GS602": Case(
        {"001_a.sql": POSTS},
        _code_config(),
        extra={
            "wrangler.toml": WRANGLER,
            "src/index.ts": _worker("    await env.NOPE_DB.prepare('SELECT id FROM posts').all();\n"),
        },
    ),
    "GS603": Case(
        {"001_a.sql": POSTS},
        _code_config(),
        extra={
            "wrangler.toml": WRANGLER,
            "src/index.ts": _worker("    await env.DB.prepare('SELECT id FROM comments').all();\n"),
        },
    ),
    "GS604": Case(
        {"001_a.sql": POSTS},
        _code_config(),
        extra={
            "wrangler.toml": WRANGLER,
            "src/index.ts": _worker("    await env.DB.prepare('SELECT slug FROM posts').all();\n"),
        },
    ),
    "GS605": Case(
        {"001_a.sql": TENANTS + "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY, tenant_id TEXT);\n"},
        _code_config(CURIOS),
        extra={
            "wrangler.toml": WRANGLER,
            "src/index.ts": _worker(
                "    await env.DB.prepare(\n"
                "      'SELECT g.id FROM gallery_images g JOIN tenants t ON t.id = g.tenant_id',\n"
                "    ).all();\n"
            ),
        },
    ),
    "GS606": Case(
        {"001_a.sql": POSTS},
        _code_config(),
        extra={
            "wrangler.toml": WRANGLER,
            "src/index.ts": _worker("    const sql = request.url;\n    await env.DB.prepare(sql).all();\n"),
        },
    ),
    "GS607": Case(
        {"001_a.sql": POSTS},
        _code_config(),
        extra={"wrangler.toml": WRANGLER, "src/index.ts": b"\xff\xfe not text \x00"},
    ),
}


# Further branches of the same codes: each message of a code has its own form to keep.
CASES.update(
    {
        "GS101 sqlglot": Case({"001_a.sql": POSTS + "SELECT FROM WHERE;\n"}),
        "GS103 table": Case({"001_a.sql": "ALTER TABLE missing ADD COLUMN c TEXT;\n"}),
        "GS103 exists": Case({"001_a.sql": POSTS + POSTS}),
        "GS103 foreign key": Case(
            {
                "001_a.sql": TENANTS
                + "CREATE TABLE t (id INTEGER PRIMARY KEY, tenant_id TEXT REFERENCES tenants (id));\n"
                "INSERT INTO t (tenant_id) VALUES ('nobody');\n"
            }
        ),
        "GS104 latin1": Case({"001_a.sql": "-- caf\xe9\n".encode("latin-1") + POSTS.encode()}),
        "GS111 interrupted": Case(
            {
                "001_a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT ROLLBACK);\n"
                "INSERT INTO t VALUES (1, 'a');\n",
                "002_b.sql": "INSERT OR ROLLBACK INTO t VALUES (1, 'b');\nCREATE TABLE after (id);\n",
            }
        ),
        "GS301 applied": Case({"001_a.sql": POSTS, "001_b.sql": TENANTS}, lock_then={}),
        "GS303 above": Case(
            {"001_a.sql": POSTS, "009_b.sql": TENANTS, "NEXT_MIGRATION_NUMBER.txt": "2\n"},
            MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n',
        ),
        "GS303 taken": Case(
            {"001_a.sql": POSTS, "002_b.sql": TENANTS, "NEXT_MIGRATION_NUMBER.txt": "2\n"},
            MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n',
        ),
        "GS303 empty": Case(
            {"001_a.sql": POSTS, "NEXT_MIGRATION_NUMBER.txt": "\n"},
            MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n',
        ),
        "GS306 names": Case({"001_a.sql": POSTS, "002_it's.sql": TENANTS, "003_upper.SQL": "SELECT 1;\n"}),
        "GS308 renamed": Case({"001_a.sql": POSTS}, lock_then={"001_a.sql": None, "001_renamed.sql": POSTS}),
        "GS309 outside": Case({"001_a.sql": POSTS}, links={"002_b.sql": "/etc/hostname"}),
        "GS311 last": Case({"001_a.sql": POSTS}, directories=("002_b.sql",)),
        "GS401 more": Case(
            {
                "001_a.sql": "CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b TEXT, c TEXT, "
                "d TEXT GENERATED ALWAYS AS (b || 'x'), CHECK (c <> ''));\n"
                "CREATE VIEW pv AS SELECT b FROM p;\n",
                "002_b.sql": "".join(f"ALTER TABLE p DROP COLUMN {column};\n" for column in ("a", "b", "c", "id")),
            }
        ),
        "GS408 argument": Case({"001_a.sql": POSTS + "PRAGMA table_info;\n"}),
        "GS410 vacuum": Case({"001_a.sql": POSTS + "VACUUM;\nVACUUM INTO 'copy.db';\nDETACH DATABASE x;\n"}),
        "GS411 schema": Case({"001_a.sql": POSTS + "CREATE TABLE temp.scratch (id INTEGER);\n"}),
        "GS412 more": Case({"001_a.sql": "CREATE TABLE _CF_X (id INTEGER);\nCREATE TABLE sqlite_x (id INTEGER);\n"}),
        "GS413 fts3": Case({"001_a.sql": "CREATE VIRTUAL TABLE docs USING fts4 (body);\n"}),
        "GS501 unknown": Case({"001_a.sql": "-- grove-schema: ignore GS999 -- a reason\n" + POSTS}),
        "GS502 partly": Case(
            {
                "001_a.sql": POSTS,
                "002_b.sql": "-- grove-schema: ignore GS402, GS403 -- backfilled\n"
                "ALTER TABLE posts ADD COLUMN slug TEXT NOT NULL;\n",
            }
        ),
        "GS601 misplaced": Case(
            {"001_a.sql": TENANTS},
            _code_config(CURIOS),
            extra={
                "libs/curios/migrations/001_g.sql": "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY);\n",
                "wrangler.toml": WRANGLER,
                "src/index.ts": _worker("    await env.DB.prepare('SELECT id FROM gallery_images').all();\n"),
            },
        ),
        "GS605 now": Case(
            {"001_a.sql": TENANTS},
            _code_config(CURIOS),
            extra={
                "libs/curios/migrations/001_g.sql": "CREATE TABLE gallery_images (id INTEGER PRIMARY KEY, t TEXT);\n",
                "wrangler.toml": WRANGLER,
                "src/index.ts": _worker(
                    "    await env.DB.prepare('SELECT g.id FROM gallery_images g JOIN tenants t ON t.id = g.t')\n"
                    "      .all();\n"
                ),
            },
        ),
        "GS606 parse": Case(
            {"001_a.sql": POSTS},
            _code_config(),
            extra={
                "wrangler.toml": WRANGLER,
                "src/index.ts": _worker("    await env.DB.prepare('SELEC id FRM posts').all();\n"),
            },
        ),
        "GS606 nowhere": Case(
            {"001_a.sql": POSTS},
            _code_config(),
            extra={"src/index.ts": _worker("    await env.OTHER.prepare('SELECT id FROM posts').all();\n")},
        ),
        "GS607 parse": Case(
            {"001_a.sql": POSTS},
            _code_config(),
            extra={"wrangler.toml": WRANGLER, "src/index.ts": "export default {\n  fetch( {\n"},
        ),
        "GS607 config": Case(
            {"001_a.sql": POSTS},
            _code_config(),
            extra={"wrangler.toml": "name = \n", "src/index.ts": _worker("")},
        ),
    }
)


def _write(root: Path, relative: str, content: str | bytes) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def checked(root: Path, *args: str) -> list[tuple[str, str]]:
    """(code, message) of every finding `check --format json` reports in `root`."""
    code, out, err = _cli("--config", str(root / "ownership.toml"), "check", "--no-cache", "--format", "json", *args)
    assert code in (0, 1), err
    return [(str(f["code"]), str(f["message"])) for f in json.loads(out)["findings"]]


def build(case: Case, root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "ownership.toml").write_text(case.config, encoding="utf-8")
    migrations = root / MIGRATIONS
    migrations.mkdir(parents=True)
    for name, content in case.files.items():
        _write(migrations, name, content)
    for name, content in case.extra.items():
        _write(root, name, content)
    for name in case.directories:
        (migrations / name).mkdir()
    for link, target in case.links.items():
        os.symlink(target, migrations / link)
    if case.lock_then is not None:
        done, _out, err = _cli("--config", str(root / "ownership.toml"), "lock")
        assert done == 0, err
        for name, change in case.lock_then.items():
            if change is None:
                (migrations / name).unlink()
            else:
                _write(migrations, name, change)
    return root


def gathered(tmp_path: Path) -> Iterator[Seen]:
    for name, case in CASES.items():
        for found, message in checked(build(case, tmp_path / name.replace(" ", "-"))):
            yield Seen(found, message, f"the {name.split()[0]} case")
    for fixture in sorted((REPO / "tests" / "fixtures" / "layouts").iterdir()):
        copy = tmp_path / "fixtures" / fixture.name
        shutil.copytree(fixture, copy)
        for found, message in checked(copy):
            yield Seen(found, message, f"tests/fixtures/layouts/{fixture.name}")
    for found, message in checked(REPO):
        yield Seen(found, message, "the bundled example")


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> list[Seen]:
    return list(gathered(tmp_path_factory.mktemp("messages")))


def problems_of(message: str) -> list[str]:
    """What is wrong with a message's form; [] when it is `<what fails>; fix: <imperative>`."""
    found = []
    if message.count(FIX_SEPARATOR) != 1:
        return [f"has {message.count(FIX_SEPARATOR)} {FIX_SEPARATOR.strip()!r} parts, not one"]
    problem, fix = message.split(FIX_SEPARATOR)
    if not problem.strip():
        found.append("says nothing of what fails")
    first = fix.split(" ", 1)[0].strip("`(").lower()
    if first not in FIX_OPENINGS:
        found.append(f"the fix starts with {first!r}, not an imperative")
    if "\n" in message:
        found.append("spans several lines")
    if message.endswith((".", ";", ":", ",")):
        found.append("ends with punctuation")
    return found


def test_every_code_has_a_case_here() -> None:
    codes = {info.code for info in all_rules()} - REWORKED_ELSEWHERE
    assert sorted(codes - {name.split()[0] for name in CASES}) == []


def test_each_case_reports_its_code(seen: list[Seen]) -> None:
    codes = {name.split()[0] for name in CASES}
    missing = sorted(code for code in codes if not any(s.code == code and s.where == f"the {code} case" for s in seen))
    assert missing == []


def test_every_message_says_what_fails_then_the_fix(seen: list[Seen]) -> None:
    wrong = sorted(
        {
            (s.code, s.message, problem)
            for s in seen
            if s.code not in REWORKED_ELSEWHERE
            for problem in problems_of(s.message)
        }
    )
    assert wrong == [], "\n".join(f"{code}: {problem}: {message}" for code, message, problem in wrong)


def quoted_twice(message: str) -> list[str]:
    """The quoted texts (SQLite's words, mostly) that a message repeats."""
    quoted = message.split('"')[1::2]
    return [text for text in quoted if len(text) >= 12 and message.count(text) > 1]


@pytest.mark.corpus
def test_the_real_corpus_messages_have_the_form(corpus_root: Path) -> None:
    """Grove's 87 real migrations with the repository's map: every message there too."""
    config = (REPO / "ownership.toml").read_text(encoding="utf-8").replace('root = "examples/grove"', 'root = "."')
    (corpus_root / "ownership.toml").write_text(config, encoding="utf-8")
    found = checked(corpus_root)
    assert len(found) > 10
    wrong = sorted(
        {(code, message) for code, message in found if code not in REWORKED_ELSEWHERE and problems_of(message)}
    )
    assert wrong == []


def test_sqlite_is_quoted_once(seen: list[Seen]) -> None:
    doubled = [s.message for s in seen if s.message.count("SQLite: ") > 1 or quoted_twice(s.message)]
    assert doubled == []
    assert quoted_twice('refuses it ("reserved for internal use") (SQLite: "reserved for internal use: x")') != []


def test_the_form_check_can_fail() -> None:
    assert problems_of("users.email is NOT NULL without a default; fix: give it a constant DEFAULT") == []
    assert problems_of("users.email is NOT NULL without a default") != []
    assert problems_of("users.email is NOT NULL; fix: the column") != []
    assert problems_of("; fix: give it a default") != []


def test_a_finding_splits_into_what_fails_and_the_fix() -> None:
    info = RuleInfo("GS999", "example", all_rules()[0].severity, "an example")
    finding = Finding(info, "a is wrong; fix: make it right", Location("x.sql"))
    assert (finding.problem, finding.fix) == ("a is wrong", "make it right")
    plain = Finding(info, "a is wrong")
    assert (plain.problem, plain.fix) == ("a is wrong", None)
    # What fails may quote text that holds the separator; the fix grove-schema writes comes last.
    quoting = Finding(info, 'near "; fix: ": syntax error; fix: rewrite it')
    assert (quoting.problem, quoting.fix) == ('near "; fix: ": syntax error', "rewrite it")
