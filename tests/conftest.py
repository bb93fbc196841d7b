"""Shared fixtures: temporary project roots, the CLI in-process, and the real corpus."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from grove_schema.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_MIGRATIONS = REPO / "examples" / "grove" / "libs" / "engine" / "migrations"
CORPUS = REPO.parent / "shared" / "corpora" / "lattice-engine-before"

MINIMAL_CONFIG = """\
[project]
root = "."
default_database = "engine"

[databases.engine]
name = "grove-engine-db"
binding = "DB"
migrations = "libs/engine/migrations"
"""


# The engine's stream and a curios database planned to take `polls` (its stream not created yet).
SPLIT_CONFIG = (
    MINIMAL_CONFIG
    + """
[databases.curios]
name = "grove-curios-db"
binding = "CURIO_DB"
migrations = "libs/curios/migrations"
tables = ["polls"]
"""
)


# Hypothesis profiles, chosen by $HYPOTHESIS_PROFILE (or pytest's --hypothesis-profile):
# - default: the full example counts (each generated test asks for a multiple of max_examples);
# - ci: the same counts (100 examples a test, bounded), derandomized and without the example
#   database, failures printed with their reproduction blob;
# - dev: a tenth of the examples, for a quick local run (HYPOTHESIS_PROFILE=dev).
# The generated tests are marked `slow`; `-m "not slow"` leaves them out.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Under CI (the CI variable set, as every CI service does) the ci profile is chosen explicitly, not
# left to Hypothesis's own detection: a fixed sequence of examples and a bounded count.
settings.register_profile(
    "ci", settings.get_profile("default"), derandomize=True, database=None, print_blob=True, max_examples=100
)
settings.register_profile("dev", settings.get_profile("default"), max_examples=10)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else settings.get_current_profile_name())
)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    def run(*args: str, cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setenv("NO_COLOR", "1")
        out, err = io.StringIO(), io.StringIO()
        code = main(list(args), out=out, err=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """A project root with `ownership.toml` and `libs/engine/migrations/` holding `files`."""

    def make(files: dict[str, str | bytes], config: str = MINIMAL_CONFIG) -> Path:
        root = tmp_path / "project"
        migrations = root / "libs" / "engine" / "migrations"
        migrations.mkdir(parents=True, exist_ok=True)
        (root / "ownership.toml").write_text(config, encoding="utf-8")
        for name, content in files.items():
            target = migrations / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return make


def corpus_absent() -> None:
    """Skip (with the reason) when ../shared/corpora is absent; under CI (`$CI` set) fail instead:
    CI must never pass without having read the real corpus."""
    message = f"the real migration corpus is absent ({CORPUS}); it ships beside the repository in CI"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set: the corpus tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def corpus_root(tmp_path: Path) -> Path:
    """A temporary root whose libs/engine/migrations holds a copy of the real Grove corpus.

    Copied, not linked: wrangler (and so discovery) follows symlinked migration files, and each
    link is a `symlinked-migration` finding."""
    if not CORPUS.is_dir():
        corpus_absent()
    root = tmp_path / "corpus-root"
    migrations = root / "libs" / "engine" / "migrations"
    migrations.mkdir(parents=True)
    for source in sorted(CORPUS.glob("*.sql")):
        shutil.copy2(source, migrations / source.name)
    return root
