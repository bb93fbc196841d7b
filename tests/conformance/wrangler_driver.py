"""Drive the real local D1: wrangler (from the npm registry) and the workerd it brings.

Installing: `npm install --prefix <cache>/wrangler-<version> wrangler@<version>` once, into the
user's cache folder (`$GROVE_CONFORMANCE_CACHE`, else `$XDG_CACHE_HOME/grove-schema-conformance`,
else `~/.cache/grove-schema-conformance`), never into the repository. It is installed into a
scratch folder first and renamed into place, so an interrupted install leaves nothing half-done.

Running: a project folder with `wrangler.toml` (a D1 binding `DB`, migrations in `migrations/`),
then `wrangler d1 migrations apply DB --local` non-interactively (CI=1, no stdin, a timeout) and
`wrangler d1 execute DB --local --json --command ...` for reads. The wrangler binary is called
directly from the cache's `node_modules/.bin` (what `npx wrangler` would resolve to there).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WRANGLER_VERSION = "4.86.0"  # the newest wrangler that runs on Node 20
MIN_NODE_MAJOR = 20
INSTALL_TIMEOUT = 600
COMMAND_TIMEOUT = 120  # seconds for one wrangler command, plus FILE_TIMEOUT per pending migration file
FILE_TIMEOUT = 15
DATABASE_ID = "5b0d1c2e-9f4a-4c8e-8a53-0c1f7e2d4a61"  # any UUID: local D1 only keys its file by it

WRANGLER_TOML = f"""\
name = "grove-schema-conformance"
compatibility_date = "2025-01-01"

[[d1_databases]]
binding = "DB"
database_name = "conformance"
database_id = "{DATABASE_ID}"
migrations_dir = "migrations"
"""

# The map grove-schema reads for the same project: one database, its stream where wrangler applies it.
OWNERSHIP_TOML = """\
[project]
root = "."
default_database = "db"

[databases.db]
name = "grove-schema-conformance"
binding = "DB"
migrations = "migrations"
"""

# npm error codes and texts that mean "the registry cannot be reached" (a skip), as opposed to
# any other install failure (a test failure: the suite must not hide a broken install).
_UNREACHABLE_MARKERS = (
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "ESOCKETTIMEDOUT",
    "ENETUNREACH",
    "EHOSTUNREACH",
    "ERR_SOCKET_TIMEOUT",
    "ERR_SOCKET_CONNECTION_TIMEOUT",
    "EPROTO",
    "network request to",
    "request to https://registry",
    "socket hang up",
    "getaddrinfo",
    "This is a problem related to network connectivity",
)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_STATUS_ROW = re.compile(r"│\s*(?P<name>[^│]+?)\s*│\s*(?P<status>[^│\s]+)\s*│")
_NAME_ROW = re.compile(r"^│\s*(?P<name>[^│]+?)\s*│$")  # `migrations list`: one column, Name
_FAILED_MIGRATION = re.compile(r"Migration (?P<name>\S+) failed with the following errors:")
_ERROR_LINE = re.compile(r"✘\s*\[ERROR\]\s*(?P<text>.*)")


class EngineUnavailable(Exception):
    """The real engine cannot be had here for a reason outside the project (a skip)."""


class EngineInstallError(Exception):
    """The install failed for another reason (a failure)."""


@dataclass(frozen=True)
class Engine:
    """An installed wrangler, with the versions it runs."""

    home: Path  # the --prefix folder
    wrangler: Path
    wrangler_version: str
    workerd_version: str
    node_version: str


def cache_root() -> Path:
    explicit = os.environ.get("GROVE_CONFORMANCE_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "grove-schema-conformance"


def node_problem() -> str | None:
    """Why Node cannot run wrangler here (a skip reason), or None when it can."""
    node = shutil.which("node")
    if node is None:
        return f"node is not installed (the real local D1 comes with wrangler {WRANGLER_VERSION}, which needs Node 20+)"
    if shutil.which("npm") is None:
        return "npm is not installed (needed to install wrangler from the npm registry)"
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        return f"node does not run: {error}"
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        return f"node {version or '(unknown version)'} is too old: wrangler {WRANGLER_VERSION} needs Node 20+"
    return None


def registry_unreachable(npm_output: str) -> bool:
    """Whether a failed `npm install` failed because the registry could not be reached."""
    return any(marker.lower() in npm_output.lower() for marker in _UNREACHABLE_MARKERS)


def _installed(home: Path) -> bool:
    package = home / "node_modules" / "wrangler" / "package.json"
    if not (home / "node_modules" / ".bin" / "wrangler").exists() or not package.is_file():
        return False
    try:
        return str(json.loads(package.read_text(encoding="utf-8")).get("version")) == WRANGLER_VERSION
    except (OSError, ValueError):
        return False


def install_engine() -> Engine:
    """The cached wrangler, installed from the npm registry on first use."""
    problem = node_problem()
    if problem is not None:
        raise EngineUnavailable(problem)
    root = cache_root()
    home = root / f"wrangler-{WRANGLER_VERSION}"
    if not _installed(home):
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"wrangler-{WRANGLER_VERSION}.installing-", dir=root))
        try:
            command = [
                "npm", "install", "--prefix", str(scratch), f"wrangler@{WRANGLER_VERSION}",
                "--no-audit", "--no-fund", "--no-update-notifier",
            ]  # fmt: skip
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, stdin=subprocess.DEVNULL
                )
            except subprocess.TimeoutExpired as error:
                raise EngineUnavailable(
                    f"`npm install wrangler@{WRANGLER_VERSION}` took over {INSTALL_TIMEOUT} s "
                    "(is the npm registry reachable?)"
                ) from error
            output = f"{done.stdout}\n{done.stderr}"
            if done.returncode != 0:
                tail = "\n".join(output.strip().splitlines()[-15:])
                if registry_unreachable(output):
                    raise EngineUnavailable(f"the npm registry cannot be reached to install wrangler:\n{tail}")
                raise EngineInstallError(f"`{' '.join(command)}` failed (exit {done.returncode}):\n{tail}")
            if not _installed(scratch):
                raise EngineInstallError(f"npm installed no wrangler {WRANGLER_VERSION}:\n{output[-2000:]}")
            if home.exists():  # a stale or broken install
                shutil.rmtree(home)
            scratch.rename(home)
        finally:
            if scratch.exists():
                shutil.rmtree(scratch, ignore_errors=True)
    return _describe(home)


def _describe(home: Path) -> Engine:
    def version_of(package: str) -> str:
        path = home / "node_modules" / package / "package.json"
        return str(json.loads(path.read_text(encoding="utf-8"))["version"])

    node = subprocess.run(
        ["node", "--version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    ).stdout.strip()
    workerd = home / "node_modules" / ".bin" / "workerd"
    try:
        workerd_version = subprocess.run(
            [str(workerd), "--version"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        ).stdout.strip()
    except OSError as error:
        raise EngineInstallError(f"workerd (Cloudflare's runtime, in an npm package) does not run: {error}") from error
    return Engine(
        home=home,
        wrangler=home / "node_modules" / ".bin" / "wrangler",
        wrangler_version=version_of("wrangler"),
        workerd_version=f"{workerd_version.removeprefix('workerd ')} (npm workerd {version_of('workerd')})",
        node_version=node,
    )


# --- one local D1 database -----------------------------------------------------------------


@dataclass(frozen=True)
class ApplyResult:
    """What `wrangler d1 migrations apply DB --local` did."""

    returncode: int
    statuses: dict[str, str]  # file name -> "applied" | "failed" | "pending" (from the last status table)
    failed_file: str | None
    errors: list[str]  # wrangler's [ERROR] lines, without colours
    output: str = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.failed_file is None

    @property
    def error(self) -> str:
        """D1's error text (the line after "Migration X failed with the following errors:")."""
        texts = [e for e in self.errors if not _FAILED_MIGRATION.search(e)]
        return texts[0] if texts else (self.errors[0] if self.errors else "")


class D1Project:
    """A temporary wrangler project whose local D1 database lives in `.wrangler/state`."""

    def __init__(self, engine: Engine, root: Path) -> None:
        self.engine = engine
        self.root = root
        self.migrations = root / "migrations"
        self.migrations.mkdir(parents=True, exist_ok=True)
        (root / "wrangler.toml").write_text(WRANGLER_TOML, encoding="utf-8")
        self._home = root / ".home"  # wrangler's config and logs stay in the project folder
        self._home.mkdir(exist_ok=True)

    def write(self, name: str, sql: str) -> Path:
        path = self.migrations / name
        path.write_text(sql, encoding="utf-8")
        return path

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDFLARE_", "WRANGLER_", "CF_"))}
        env.update(
            CI="1",
            WRANGLER_SEND_METRICS="false",
            WRANGLER_SEND_ERROR_REPORTS="false",
            WRANGLER_LOG_PATH=str(self._home / "logs"),
            XDG_CONFIG_HOME=str(self._home / "config"),
            FORCE_COLOR="0",
            NO_COLOR="1",
        )
        return env

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        files = sum(1 for _ in self.migrations.glob("*.sql"))
        return subprocess.run(
            [str(self.engine.wrangler), *args],
            cwd=self.root,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT + FILE_TIMEOUT * files,
        )

    def apply(self) -> ApplyResult:
        done = self._run("d1", "migrations", "apply", "DB", "--local")
        output = _ANSI.sub("", f"{done.stdout}\n{done.stderr}")
        statuses: dict[str, str] = {}
        for line in output.splitlines():
            row = _STATUS_ROW.search(line)
            if row is None or row.group("name") == "name":
                continue
            mark = row.group("status")
            statuses[row.group("name")] = "applied" if "✅" in mark else "failed" if "❌" in mark else "pending"
        errors = [m.group("text").strip() for m in map(_ERROR_LINE.search, output.splitlines()) if m]
        failed = _FAILED_MIGRATION.search(output)
        failed_file = failed.group("name") if failed else None
        if failed_file is None:
            failed_file = next((name for name, status in statuses.items() if status == "failed"), None)
        if failed_file is None and done.returncode != 0:
            # An error before any file ran (wrangler refused the SQL): the first not-applied file.
            failed_file = next((name for name, status in statuses.items() if status != "applied"), "(unknown)")
        return ApplyResult(done.returncode, statuses, failed_file, errors, output)

    def unapplied(self) -> list[str]:
        """`wrangler d1 migrations list DB --local`: the migrations wrangler would apply, in its order."""
        done = self._run("d1", "migrations", "list", "DB", "--local")
        output = _ANSI.sub("", f"{done.stdout}\n{done.stderr}")
        if done.returncode != 0:
            raise RuntimeError(f"wrangler d1 migrations list failed: {output[-1000:]}")
        names = []
        for line in output.splitlines():
            row = _NAME_ROW.search(line)
            if row is not None and row.group("name") != "Name":
                names.append(row.group("name"))
        return names

    def query(self, sql: str) -> list[list[dict[str, Any]]]:
        """`wrangler d1 execute DB --local --json --command SQL`: one result list per statement."""
        done = self._run("d1", "execute", "DB", "--local", "--json", "--command", sql)
        text = done.stdout.strip()
        start = text.find("[") if text.find("[") != -1 else text.find("{")
        try:
            document = json.loads(text[start:]) if start != -1 else None
        except ValueError:
            document = None
        if done.returncode != 0 or not isinstance(document, list):
            detail = document["error"]["text"] if isinstance(document, dict) and "error" in document else text
            raise RuntimeError(f"wrangler d1 execute {sql!r} failed: {detail} {_ANSI.sub('', done.stderr)[-500:]}")
        return [list(statement.get("results", [])) for statement in document]

    def recorded(self) -> set[str]:
        """The migration names local D1 recorded as applied (table d1_migrations)."""
        (rows,) = self.query("SELECT name FROM d1_migrations")
        return {str(row["name"]) for row in rows}
