"""cache: where it lives, the store (atomic entries, pruning, CACHEDIR.TAG, failures are misses),
the key of a whole `check`, the report's round trip, and the replay resumed from a cached prefix."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grove_schema import cache as cache_module
from grove_schema import replay_codec
from grove_schema.cache import (
    CACHE_DIR_ENV,
    CACHE_FORMAT,
    CachedReport,
    CheckCache,
    cache_directory,
    cached_check,
    decode_report,
    encode_report,
    find_git_dir,
    prefix_keys,
    replay_cached,
    report_inputs,
    seal,
    unsafe_cache_reason,
)
from grove_schema.codes import UNREADABLE_FILE
from grove_schema.config import ProjectConfig, load_config
from grove_schema.discovery import MigrationFile, discover_stream
from grove_schema.files import regular_file_digest
from grove_schema.findings import Finding, Location, RuleInfo, Severity
from grove_schema.project import ProjectReplay, check_project
from grove_schema.registry import find_code
from grove_schema.replay import LintSettings, Replayer, ReplayOptions, StreamReplay, replay_stream
from grove_schema.sources import read_migration

from .conftest import CliResult

MakeProject = Callable[..., Path]
needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file to another user needs root"
)

FILES = {
    "0001_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"
    "INSERT INTO users (id, email) VALUES (1, 'a@example.com');\n",
    "0002_posts.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users(id), body TEXT);\n",
    "0003_index.sql": "CREATE INDEX posts_author ON posts (author);\nALTER TABLE users DROP COLUMN email;\n",
}


def config_of(root: Path) -> ProjectConfig:
    return load_config(root / "ownership.toml")


def migrations(root: Path) -> Path:
    return root / "libs" / "engine" / "migrations"


# --- where -------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


@pytest.fixture(autouse=True)
def _no_git_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run from a git hook would inherit GIT_DIR and friends."""
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES"):
        monkeypatch.delenv(name, raising=False)


def test_the_environment_variable_wins(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = make_project({})
    git(root, "init", "-q")
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    assert cache_directory(config_of(root)) == tmp_path / "elsewhere"


def test_an_empty_environment_variable_is_unset(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({})
    git(root, "init", "-q")
    monkeypatch.setenv(CACHE_DIR_ENV, "")
    assert cache_directory(config_of(root)) == (root / ".git" / "grove-schema" / "cache").resolve()


def test_inside_the_git_directory_of_the_repository(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    root = make_project({})
    git(root, "init", "-q")
    directory = cache_directory(config_of(root))
    assert directory == (root / ".git" / "grove-schema" / "cache").resolve()
    assert directory is not None and not directory.exists()  # found, not created


def test_the_git_directory_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    git(tmp_path / "repo", "init", "-q")
    deep = tmp_path / "repo" / "libs" / "engine"
    deep.mkdir(parents=True)
    assert find_git_dir(deep) == (tmp_path / "repo" / ".git").resolve()


def test_a_worktree_has_its_own_git_directory(tmp_path: Path) -> None:
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "-q")
    git(main, "commit", "-q", "--allow-empty", "-m", "first")
    git(main, "worktree", "add", "-q", str(tmp_path / "wt"))
    assert find_git_dir(tmp_path / "wt") == (main / ".git" / "worktrees" / "wt").resolve()


def test_an_empty_folder_named_git_is_no_repository(tmp_path: Path) -> None:
    """A parent folder could otherwise plant the cache: git itself does not take it for a repository."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "project").mkdir()
    if git_toplevel_of(tmp_path) is not None:
        pytest.skip("the temporary directory is itself inside a git repository")
    assert find_git_dir(tmp_path / "project") is None


def test_a_git_file_pointing_anywhere_is_no_repository(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".git").write_text(f"gitdir: {tmp_path / 'elsewhere'}\n", encoding="utf-8")
    if git_toplevel_of(tmp_path.parent) is not None:
        pytest.skip("the temporary directory is itself inside a git repository")
    assert find_git_dir(tmp_path) is None


@needs_root
def test_a_repository_of_another_user_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git's safe.directory rule: a repository owned by someone else is not this user's."""
    repo = tmp_path / "theirs"
    repo.mkdir()
    git(repo, "init", "-q")
    monkeypatch.setenv("HOME", str(tmp_path))  # no safe.directory exception in the user's config
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    os.chown(repo, 4242, 4242)
    os.chown(repo / ".git", 4242, 4242)
    assert find_git_dir(repo) is None


def git_toplevel_of(folder: Path) -> str | None:
    completed = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=folder, capture_output=True, check=False)
    return completed.stdout.decode().strip() if completed.returncode == 0 else None


def test_no_git_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repo").mkdir()
    git(tmp_path / "repo", "init", "-q")
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    assert find_git_dir(tmp_path / "repo") is None


def test_no_cache_outside_git(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    root = make_project({})
    if find_git_dir(root) is not None:
        pytest.skip("the temporary directory is itself inside a git repository")
    assert cache_directory(config_of(root)) is None


# --- who can write the cache -------------------------------------------------------------------


def test_a_private_directory_is_safe(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    (tmp_path / "cache").mkdir(mode=0o700)
    assert unsafe_cache_reason(tmp_path / "cache") is None
    assert unsafe_cache_reason(tmp_path / "cache" / "not" / "yet") is None  # created later, privately


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_a_directory_others_can_write_is_refused(tmp_path: Path, mode: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "_private_group", lambda _gid: False)  # a group with other members
    tmp_path.chmod(0o755)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    reason = unsafe_cache_reason(shared)
    assert reason is not None and "can be written by other users" in reason
    assert unsafe_cache_reason(shared / "below") is not None or mode & 0o1000  # a sticky parent is fine


def test_a_folder_writable_by_the_users_own_private_group_is_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """umask 002 with user private groups makes every folder 0775; that group is this user alone."""
    monkeypatch.setattr(cache_module, "_private_group", lambda gid: gid == os.getgid())
    tmp_path.chmod(0o775)
    (tmp_path / "cache").mkdir(mode=0o770)
    (tmp_path / "cache").chmod(0o770)
    assert unsafe_cache_reason(tmp_path / "cache") is None
    (tmp_path / "cache").chmod(0o772)  # writable by others too
    assert unsafe_cache_reason(tmp_path / "cache") is not None


def test_below_a_sticky_world_writable_folder_is_safe(tmp_path: Path) -> None:
    tmp_path.chmod(0o1777)
    (tmp_path / "mine").mkdir(mode=0o700)
    assert unsafe_cache_reason(tmp_path / "mine") is None


def test_below_a_world_writable_folder_without_the_sticky_bit_is_refused(tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    (tmp_path / "mine").mkdir(mode=0o700)
    reason = unsafe_cache_reason(tmp_path / "mine")
    assert reason is not None and str(tmp_path) in reason


@needs_root
def test_a_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 4242, 4242)
    reason = unsafe_cache_reason(theirs)
    assert reason is not None and "another user" in reason


def test_a_symlink_to_a_shared_directory_is_refused(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    (tmp_path / "link").symlink_to(shared)
    assert unsafe_cache_reason(tmp_path / "link") is not None


# --- the store ---------------------------------------------------------------------------------


def test_write_then_read(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    assert store.read("report", "k") is None and not store.has("report", "k")
    store.write("report", "k", b"data")
    assert store.has("report", "k") and store.read("report", "k") == b"data"
    store.write("report", "k", b"new")
    assert store.read("report", "k") == b"new"
    assert store.read("replay", "k") is None  # kinds are apart


def test_cachedir_tag_is_written(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    store.write("replay", "k", b"x")
    tag = (tmp_path / "cache" / "CACHEDIR.TAG").read_text(encoding="utf-8")
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")  # the CACHEDIR.TAG standard's


def test_no_temporary_is_left(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    for n in range(3):
        store.write("report", f"k{n}", b"x")
    assert sorted(p.name for p in (tmp_path / "cache" / "report").iterdir()) == ["k0", "k1", "k2"]


@pytest.mark.parametrize("kind", ["report", "replay"])
def test_each_kind_keeps_its_limit(tmp_path: Path, kind: str) -> None:
    store = CheckCache(tmp_path / "cache")
    limit = cache_module.KEEP[kind]
    for n in range(limit + 5):
        store.write(kind, f"k{n:03d}", b"x")
    assert len(list((tmp_path / "cache" / kind).iterdir())) == limit


def test_pruning_keeps_the_most_recently_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cache_module.KEEP, "report", 3)
    store = CheckCache(tmp_path / "cache")
    folder = tmp_path / "cache" / "report"
    for age, name in ((3000, "old"), (2000, "older"), (1000, "oldest")):
        store.write("report", name, name.encode())
        os.utime(folder / name, (age, age))
    assert store.read("report", "oldest") == b"oldest"  # a read makes it the most recently used
    store.write("report", "new", b"new")
    assert sorted(p.name for p in folder.iterdir()) == ["new", "old", "oldest"]


def test_dot_files_are_not_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cache_module.KEEP, "report", 1)
    store = CheckCache(tmp_path / "cache")
    folder = tmp_path / "cache" / "report"
    folder.mkdir(parents=True)
    (folder / ".k.1234.tmp").write_bytes(b"in progress")  # another process's write
    store.write("report", "a", b"a")
    store.write("report", "b", b"b")
    assert sorted(p.name for p in folder.iterdir()) == [".k.1234.tmp", "b"]


def test_an_unwritable_cache_is_only_a_miss(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    store = CheckCache(blocker)
    store.write("report", "k", b"data")  # no exception
    assert store.read("report", "k") is None and not store.has("report", "k")


def test_an_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    (tmp_path / "cache" / "report" / "k").mkdir(parents=True)  # not a file
    assert store.read("report", "k") is None


# --- the key of a whole check ------------------------------------------------------------------


def key_of(root: Path, databases: list[str] | None = None, history: bool = False, ignore: tuple[str, ...] = ()) -> str:
    inputs = report_inputs(config_of(root), databases, history, ignore)
    assert inputs is not None
    return inputs.key


@pytest.fixture
def project(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(dict(FILES))
    monkeypatch.chdir(root)  # the working directory is part of the key
    return root


def test_the_key_is_stable(project: Path) -> None:
    first = key_of(project)
    assert len(first) == 64 and first == key_of(project)


def test_touching_a_file_without_changing_it_keeps_the_key(project: Path) -> None:
    before = key_of(project)
    path = migrations(project) / "0002_posts.sql"
    os.utime(path, (1, 1))
    path.write_bytes(path.read_bytes())
    assert key_of(project) == before


def test_one_changed_byte_changes_the_key(project: Path) -> None:
    before = key_of(project)
    path = migrations(project) / "0001_users.sql"
    original = path.read_bytes()
    path.write_bytes(original.replace(b"email", b"emaiL", 1))
    changed = key_of(project)
    assert changed != before
    path.write_bytes(original)
    assert key_of(project) == before


@pytest.mark.parametrize(
    "stray",
    [
        "notes.txt",
        "0004_draft.sql",
        ".hidden.sql",
        "sub/0005_nested.sql",
        "migrations.lock",
        "NEXT_MIGRATION_NUMBER.txt",
    ],
)
def test_a_stray_file_changes_the_key(project: Path, stray: str) -> None:
    before = key_of(project)
    target = migrations(project) / stray
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("-- stray\n", encoding="utf-8")
    assert key_of(project) != before


def test_an_empty_folder_and_a_symlink_change_the_key(project: Path) -> None:
    before = key_of(project)
    (migrations(project) / "archive").mkdir()
    with_folder = key_of(project)
    assert with_folder != before
    (migrations(project) / "link.sql").symlink_to(migrations(project) / "0001_users.sql")
    assert key_of(project) not in (before, with_folder)


def test_the_configuration_changes_the_key(project: Path) -> None:
    before = key_of(project)
    config = project / "ownership.toml"
    config.write_text(config.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert key_of(project) != before


def test_the_options_change_the_key(project: Path) -> None:
    keys = {
        key_of(project),
        key_of(project, databases=["engine"]),
        key_of(project, history=True),
        key_of(project, ignore=("reserved-name",)),
        key_of(project, ignore=("reserved-name", "drop-table")),
    }
    assert len(keys) == 5


def test_the_working_directory_changes_the_key(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = key_of(project)
    monkeypatch.chdir(migrations(project))  # findings print paths relative to it
    assert key_of(project) != before


def test_an_unknown_database_has_no_key(project: Path) -> None:
    assert report_inputs(config_of(project), ["nope"], False, ()) is None


def test_a_cached_report_reads_only_the_texts_its_findings_stand_in(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({**LINTED, "0004_ok.sql": "CREATE TABLE fine (id INTEGER PRIMARY KEY);\n"})
    (migrations(root) / "0003_bad.sql").write_bytes(b"\xef\xbb\xbf" + LINTED["0003_bad.sql"].encode())
    monkeypatch.chdir(root)
    store = CheckCache(tmp_path / "cache")
    cached_check(config_of(root), store)
    hit = cached_check(config_of(root), store)
    assert isinstance(hit, CachedReport)
    texts = {Path(path).name: text for path, text in hit.texts().items()}
    assert "0004_ok.sql" not in texts  # no finding there
    assert texts["0003_bad.sql"] == LINTED["0003_bad.sql"]  # decoded as a migration: the BOM dropped


def test_an_unchanged_file_is_not_read_again_for_the_key(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real = regular_file_digest

    def counting(path: str) -> str | None:
        reads.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(cache_module, "regular_file_digest", counting)
    old = time.time() - 60  # settled, not "racy"
    for path in migrations(project).iterdir():
        os.utime(path, (old, old))
    first = cache_module.SourceHashes(tmp_path / "cache")
    before = report_inputs(config_of(project), None, False, (), first)
    first.save()
    assert sorted(reads) == sorted(FILES)
    reads.clear()
    again = report_inputs(config_of(project), None, False, (), cache_module.SourceHashes(tmp_path / "cache"))
    assert reads == [] and again is not None and before is not None and again.key == before.key
    (migrations(project) / "0002_posts.sql").write_text("CREATE TABLE posts (id INTEGER PRIMARY KEY);\n")
    edited = report_inputs(config_of(project), None, False, (), cache_module.SourceHashes(tmp_path / "cache"))
    assert reads == ["0002_posts.sql"] and edited is not None and edited.key != before.key


def test_a_fifo_never_blocks_the_key(project: Path) -> None:
    os.mkfifo(migrations(project) / "0009_pipe.sql")
    os.mkfifo(migrations(project) / "NEXT_MIGRATION_NUMBER.txt")
    before = key_of(project)  # returns: neither is opened for a blocking read
    assert before == key_of(project)


def test_a_linked_migration_is_keyed_by_its_targets_content(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.sql"
    target.write_text("CREATE TABLE a (id INTEGER);\n", encoding="utf-8")
    (migrations(project) / "0004_linked.sql").symlink_to(target)
    before = key_of(project)
    target.write_text("DROP TABLE users;\n", encoding="utf-8")
    assert key_of(project) != before


def test_the_fingerprint_follows_the_source_files(tmp_path: Path) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sql" / "b.py").write_text("y = 2\n")
    (tmp_path / "notes.txt").write_text("not source\n")
    first = cache_module.source_stamp(str(tmp_path))
    assert b"a.py" in first and b"sql/b.py" in first and b"notes" not in first
    (tmp_path / "notes.txt").write_text("changed\n")
    assert cache_module.source_stamp(str(tmp_path)) == first
    (tmp_path / "sql" / "b.py").write_text("y = 3 # longer\n")
    assert cache_module.source_stamp(str(tmp_path)) != first


# --- the report --------------------------------------------------------------------------------


LINTED = {
    "0001_init.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
    "0002_drop.sql": "DROP TABLE users;\n",
    "0003_bad.sql": "CREATE TABLE broken (;\n",
}


def test_encode_decode_round_trip(make_project: MakeProject) -> None:
    root = make_project(dict(LINTED))
    outcome = check_project(config_of(root))
    assert outcome.findings and outcome.notes  # something to carry
    decoded = decode_report(encode_report(outcome), outcome.texts())
    assert decoded.findings == outcome.findings
    for finding in decoded.findings:
        registered = find_code(finding.code)
        assert registered is None or finding.rule is registered  # identity, not a copy
    assert decoded.notes == outcome.notes
    assert decoded.file_count == outcome.file_count == 3
    assert decoded.statement_count == outcome.statement_count
    assert decoded.tables_per_database() == outcome.tables_per_database()
    assert decoded.texts() == outcome.texts()


def test_a_finding_without_a_location_and_an_unregistered_rule_round_trip(make_project: MakeProject) -> None:
    outcome = check_project(config_of(make_project({})))
    made_up = RuleInfo("XX999", "made-up", Severity.WARNING, "not a registered code", "doc")
    outcome.findings = [
        Finding(rule=UNREADABLE_FILE, message="somewhere", location=None),
        Finding(rule=made_up, message="x", location=Location("/a.sql", 2, 3), severity=Severity.INFO),
    ]
    decoded = decode_report(encode_report(outcome), {})
    assert decoded.findings == outcome.findings
    assert decoded.findings[0].rule is UNREADABLE_FILE
    assert decoded.findings[1].severity is Severity.INFO


def test_cached_check_answers_from_the_cache(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(dict(LINTED))
    monkeypatch.chdir(root)
    store = CheckCache(tmp_path / "cache")
    first = cached_check(config_of(root), store)
    assert isinstance(first, ProjectReplay)
    second = cached_check(config_of(root), store)
    assert isinstance(second, CachedReport)
    assert second.findings == first.findings and second.notes == first.notes
    (migrations(root) / "0004_more.sql").write_text("CREATE TABLE more (id INTEGER PRIMARY KEY);\n", encoding="utf-8")
    third = cached_check(config_of(root), store)
    assert isinstance(third, ProjectReplay)  # a changed stream is a miss


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not json",
        b"{}",
        b'{"findings": [[1]]}',
        b"[1, 2]",
        b"\xff\xfe",
        b'{"rules": [], "findings": [[3, "m", null, 3]], "notes": [], "files": 0, "statements": 0, "tables": {}}',
    ],
)
def test_a_damaged_report_entry_is_a_miss(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    root = make_project(dict(LINTED))
    monkeypatch.chdir(root)
    store = CheckCache(tmp_path / "cache")
    first = cached_check(config_of(root), store)
    entries = list((tmp_path / "cache" / "report").iterdir())
    assert len(entries) == 1
    entries[0].write_bytes(damage)
    again = cached_check(config_of(root), store)
    assert isinstance(again, ProjectReplay) and again.findings == first.findings
    healed = cached_check(config_of(root), store)
    assert isinstance(healed, CachedReport) and healed.findings == first.findings  # rewritten


def test_without_a_cache_the_check_runs_straight(make_project: MakeProject) -> None:
    root = make_project(dict(LINTED))
    outcome = cached_check(config_of(root), None)
    assert isinstance(outcome, ProjectReplay)
    assert outcome.findings == check_project(config_of(root)).findings


# --- the keys of a stream's prefixes ---------------------------------------------------------------


def stream(*names: str) -> list[MigrationFile]:
    return [MigrationFile(Path(f"/m/{name}"), name, number) for number, name in enumerate(names, start=1)]


def test_prefix_keys_chain() -> None:
    files = stream("0001_a.sql", "0002_b.sql", "0003_c.sql")
    texts: list[str | Finding] = ["A;", "B;", "C;"]
    keys = prefix_keys(b"seed", files, texts)
    assert len(keys) == 4 and len(set(keys)) == 4
    assert keys[0] == hashlib.sha256(b"seed").hexdigest()  # nothing replayed
    assert keys == prefix_keys(b"seed", files, texts)
    assert prefix_keys(b"seed", files[:2], texts[:2]) == keys[:3]  # a prefix's keys are the prefix of the keys


def test_a_changed_file_changes_its_key_and_every_later_one() -> None:
    files = stream("0001_a.sql", "0002_b.sql", "0003_c.sql")
    keys = prefix_keys(b"seed", files, ["A;", "B;", "C;"])
    edited = prefix_keys(b"seed", files, ["A;", "B ;", "C;"])
    assert edited[:2] == keys[:2]
    assert all(e != k for e, k in zip(edited[2:], keys[2:], strict=True))


def test_the_seed_path_name_and_number_are_part_of_every_key() -> None:
    files = stream("0001_a.sql", "0002_b.sql")
    texts: list[str | Finding] = ["A;", "B;"]
    keys = prefix_keys(b"seed", files, texts)
    assert set(prefix_keys(b"other", files, texts)).isdisjoint(keys)
    renamed = [files[0], MigrationFile(Path("/m/0002_x.sql"), "0002_x.sql", 2)]
    assert prefix_keys(b"seed", renamed, texts)[2] != keys[2]
    renumbered = [files[0], MigrationFile(files[1].path, files[1].name, 3)]
    assert prefix_keys(b"seed", renumbered, texts)[2] != keys[2]
    moved = [files[0], MigrationFile(Path("/n/0002_b.sql"), files[1].name, 2)]
    assert prefix_keys(b"seed", moved, texts)[2] != keys[2]


def test_an_unreadable_file_keys_by_its_finding() -> None:
    files = stream("0001_a.sql")
    unreadable = Finding(rule=UNREADABLE_FILE, message="not UTF-8", location=Location("/m/0001_a.sql"))
    other = Finding(rule=UNREADABLE_FILE, message="not UTF-8 at byte 3", location=Location("/m/0001_a.sql"))
    keys = {prefix_keys(b"s", files, [t])[1] for t in (unreadable, other, "not UTF-8")}
    assert len(keys) == 3


def test_prefix_keys_need_one_text_per_file() -> None:
    with pytest.raises(ValueError):
        prefix_keys(b"seed", stream("0001_a.sql", "0002_b.sql"), ["A;"])


def test_surrogates_in_a_text_can_be_keyed() -> None:
    keys = prefix_keys(b"seed", stream("0001_a.sql"), ["SELECT '\udcff';"])
    assert len(keys) == 2


# --- the replay resumed from a cached prefix ---------------------------------------------------------


def summary(result: StreamReplay) -> tuple[object, ...]:
    return (
        result.database,
        result.schema,
        result.files,
        [(s.text, s.applied, s.error, s.location, s.file) for s in result.statements],
        result.findings,
        result.divergences,
        result.texts,
        result.layouts,
    )


@pytest.fixture
def applied(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the replay applies (not restored from the cache)."""
    names: list[str] = []
    real = Replayer.apply_file

    def counting(self: Replayer, migration: MigrationFile, text: str, ahead: Any = None) -> None:
        names.append(migration.name)
        real(self, migration, text, ahead)

    monkeypatch.setattr(Replayer, "apply_file", counting)
    return names


def write_stream(directory: Path, files: dict[str, str]) -> list[MigrationFile]:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return discover_stream(directory)


def fresh(files: list[MigrationFile], lint: LintSettings | None = None) -> StreamReplay:
    return replay_stream("engine", files, read_migration, ReplayOptions(lint=lint or LintSettings()))


def entries(tmp_path: Path) -> list[str]:
    folder = tmp_path / "cache" / "replay"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_cold_replay_equals_a_fresh_one_and_keeps_two_snapshots(tmp_path: Path, applied: list[str]) -> None:
    files = write_stream(tmp_path / "m", FILES)
    store = CheckCache(tmp_path / "cache")
    lint = LintSettings.default()
    result = replay_cached(store, "engine", files, read_migration, ReplayOptions(lint=lint))
    assert applied == list(FILES)
    assert summary(result) == summary(fresh(files, lint))
    assert len(entries(tmp_path)) == 2  # before and after the last file


def test_an_unchanged_stream_is_restored_whole(tmp_path: Path, applied: list[str]) -> None:
    files = write_stream(tmp_path / "m", FILES)
    store = CheckCache(tmp_path / "cache")
    lint = LintSettings.default()
    replay_cached(store, "engine", files, read_migration, ReplayOptions(lint=lint))
    applied.clear()
    result = replay_cached(store, "engine", files, read_migration, ReplayOptions(lint=lint))
    assert applied == []
    assert summary(result) == summary(fresh(files, lint))


def test_a_new_last_file_replays_only_itself(tmp_path: Path, applied: list[str]) -> None:
    files = write_stream(tmp_path / "m", FILES)
    store = CheckCache(tmp_path / "cache")
    lint = LintSettings.default()
    replay_cached(store, "engine", files, read_migration, ReplayOptions(lint=lint))
    # It depends on the prefix's rows (the dev database's pages come back with the model).
    longer = write_stream(
        tmp_path / "m",
        {"0004_dup.sql": "INSERT INTO users (id) VALUES (1);\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n"},
    )
    applied.clear()
    result = replay_cached(store, "engine", longer, read_migration, ReplayOptions(lint=lint))
    assert applied == ["0004_dup.sql"]
    expected = fresh(longer, lint)
    assert summary(result) == summary(expected)
    assert any("UNIQUE constraint failed: users.id" in f.message for f in result.findings)
    assert result.schema.table("tags") is not None


def test_an_edited_last_file_resumes_before_it(tmp_path: Path, applied: list[str]) -> None:
    files = write_stream(tmp_path / "m", FILES)
    store = CheckCache(tmp_path / "cache")
    replay_cached(store, "engine", files, read_migration)
    (tmp_path / "m" / "0003_index.sql").write_text("CREATE INDEX posts_body ON posts (body);\n", encoding="utf-8")
    applied.clear()
    result = replay_cached(store, "engine", files, read_migration)
    assert applied == ["0003_index.sql"]
    assert summary(result) == summary(fresh(files))
    assert "posts_body" in result.schema.indexes and "posts_author" not in result.schema.indexes


def test_an_edited_early_file_replays_from_there(tmp_path: Path, applied: list[str]) -> None:
    files = write_stream(tmp_path / "m", FILES)
    store = CheckCache(tmp_path / "cache")
    replay_cached(store, "engine", files, read_migration)
    (tmp_path / "m" / "0001_users.sql").write_text(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);\n", encoding="utf-8"
    )
    applied.clear()
    result = replay_cached(store, "engine", files, read_migration)
    assert applied == list(FILES)
    assert summary(result) == summary(fresh(files))


def test_other_settings_do_not_share_snapshots(tmp_path: Path, applied: list[str]) -> None:
    files = write_stream(tmp_path / "m", FILES)
    store = CheckCache(tmp_path / "cache")
    replay_cached(store, "engine", files, read_migration)
    applied.clear()
    linted = replay_cached(store, "engine", files, read_migration, ReplayOptions(lint=LintSettings.default()))
    assert applied == list(FILES)  # the lint settings are part of the key
    assert summary(linted) == summary(fresh(files, LintSettings.default()))
    applied.clear()
    replay_cached(store, "other", files, read_migration)
    assert applied == list(FILES)  # so is the database


def test_a_damaged_snapshot_is_a_miss(tmp_path: Path, applied: list[str]) -> None:
    files = write_stream(tmp_path / "m", FILES)
    store = CheckCache(tmp_path / "cache")
    replay_cached(store, "engine", files, read_migration)
    for name in entries(tmp_path):
        (tmp_path / "cache" / "replay" / name).write_bytes(b"\x80\x05garbage")
    applied.clear()
    result = replay_cached(store, "engine", files, read_migration)
    assert applied == list(FILES)
    assert summary(result) == summary(fresh(files))


def test_an_unreadable_file_is_replayed_as_its_finding(tmp_path: Path) -> None:
    files = write_stream(tmp_path / "m", FILES)
    (tmp_path / "m" / "0002_posts.sql").write_bytes(b"CREATE TABLE \xff (x);\n")
    store = CheckCache(tmp_path / "cache")
    cold = replay_cached(store, "engine", files, read_migration)
    warm = replay_cached(store, "engine", files, read_migration)
    assert summary(cold) == summary(warm) == summary(fresh(files))
    assert any(f.location is not None and f.location.path.endswith("0002_posts.sql") for f in cold.findings)


@pytest.mark.parametrize(
    "marker",
    [
        "PRAGMA defer_foreign_keys = ON;\n",
        "pragma foreign_keys = off;\n",
        "SELECT total_changes();\n",
        "SELECT changes ();\n",
        "SELECT last_insert_rowid();\n",
        "SELECT 'pragma';\n",  # a word in a string counts: the test errs towards no snapshot
    ],
)
def test_a_file_with_connection_state_ends_the_snapshot_chain(tmp_path: Path, applied: list[str], marker: str) -> None:
    files = write_stream(
        tmp_path / "m",
        {
            "0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
            "0002_state.sql": marker + "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
            "0003_c.sql": "CREATE TABLE c (id INTEGER PRIMARY KEY);\n",
            "0004_d.sql": "CREATE TABLE d (id INTEGER PRIMARY KEY);\n",
        },
    )
    store = CheckCache(tmp_path / "cache")
    result = replay_cached(store, "engine", files, read_migration)
    assert summary(result) == summary(fresh(files))
    assert entries(tmp_path) == []  # nothing from the marked file on is snapshotted, nor before the last
    applied.clear()
    again = replay_cached(store, "engine", files, read_migration)
    assert applied == [f.name for f in files]  # nothing is trusted past the marked file
    assert summary(again) == summary(result)


def test_a_comment_that_names_connection_state_keeps_the_snapshot_chain(tmp_path: Path, applied: list[str]) -> None:
    """SQLite reads a comment as a space: prose about PRAGMAs or changes, and a name that only
    contains `changes`, are no connection state."""
    files = write_stream(
        tmp_path / "m",
        {
            "0001_a.sql": "-- no PRAGMA here; the changes() of the last run\nCREATE TABLE a (id INTEGER);\n",
            "0002_b.sql": "CREATE TABLE b (id INTEGER, /* pragma */ s TEXT CHECK (s IN ('changes_requested')));\n",
            "0003_c.sql": "CREATE TABLE c (id INTEGER PRIMARY KEY);\n",
        },
    )
    store = CheckCache(tmp_path / "cache")
    result = replay_cached(store, "engine", files, read_migration)
    assert len(entries(tmp_path)) == 2  # before and after the last file, as for any stream
    applied.clear()
    again = replay_cached(store, "engine", files, read_migration)
    assert applied == []
    assert summary(again) == summary(result) == summary(fresh(files))


def test_a_snapshot_before_the_marked_file_is_still_used(tmp_path: Path, applied: list[str]) -> None:
    first = {
        "0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        "0002_b.sql": "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
    }
    files = write_stream(tmp_path / "m", first)
    store = CheckCache(tmp_path / "cache")
    replay_cached(store, "engine", files, read_migration)
    assert len(entries(tmp_path)) == 2
    longer = write_stream(tmp_path / "m", {"0003_pragma.sql": "PRAGMA foreign_keys = OFF;\n"})
    applied.clear()
    result = replay_cached(store, "engine", longer, read_migration)
    assert applied == ["0003_pragma.sql"]  # resumed after 0002, where the chain was still whole
    assert summary(result) == summary(fresh(longer))
    assert len(entries(tmp_path)) == 2  # and nothing new stored after the PRAGMA


def test_a_report_stores_each_rule_once(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule's doc is long: many findings of one rule must not repeat it (reports are kept 64 deep)."""
    statements = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n" + "PRAGMA foreign_keys = ON;\n" * 30
    root = make_project({"0001_many.sql": statements})
    monkeypatch.chdir(root)
    store = CheckCache(tmp_path / "cache")
    outcome = cached_check(config_of(root), store)
    assert isinstance(outcome, ProjectReplay)
    repeated = [f for f in outcome.findings if f.rule.doc]
    assert len({f.rule.code for f in repeated}) < len(repeated)  # some rule fires more than once
    (entry,) = (tmp_path / "cache" / "report").iterdir()
    stored = entry.read_bytes()
    for rule in {f.rule for f in repeated}:
        assert stored.count(json.dumps(rule.doc)[1:-1].encode()) == 1  # the doc, as JSON writes it
    cached = cached_check(config_of(root), store)
    assert isinstance(cached, CachedReport) and cached.findings == outcome.findings


# --- what the cache stores is only data ----------------------------------------------------------


def test_a_sealed_report_entry_with_damaged_content_is_rebuilt_with_a_note(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(dict(LINTED))
    monkeypatch.chdir(root)
    store = CheckCache(tmp_path / "cache")
    first = cached_check(config_of(root), store)
    (entry,) = (tmp_path / "cache" / "report").iterdir()
    entry.write_bytes(seal(b'{"rules": []}'))  # the seal holds, the document does not
    again = cached_check(config_of(root), store)
    assert isinstance(again, ProjectReplay) and again.findings == first.findings
    assert len(store.notes) == 1 and "stored report could not be used" in store.notes[0]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda sealed: sealed[:-5], "truncated"),
        (lambda sealed: sealed[:-1] + bytes([sealed[-1] ^ 1]), "does not match its hash"),
        (lambda sealed: sealed.replace(f"cache {CACHE_FORMAT} ".encode(), b"cache 999 ", 1), "another cache format"),
        (lambda sealed: b"\x80\x05garbage", "no grove-schema cache header"),
    ],
)
def test_a_damaged_snapshot_is_rebuilt_with_a_note(
    tmp_path: Path, applied: list[str], damage: Callable[[bytes], bytes], reason: str
) -> None:
    files = write_stream(tmp_path / "m", FILES)
    replay_cached(CheckCache(tmp_path / "cache"), "engine", files, read_migration)
    for name in entries(tmp_path):
        path = tmp_path / "cache" / "replay" / name
        path.write_bytes(damage(path.read_bytes()))
    store = CheckCache(tmp_path / "cache")
    applied.clear()
    result = replay_cached(store, "engine", files, read_migration)
    assert applied == list(FILES)
    assert summary(result) == summary(fresh(files))
    assert store.notes and all(reason in note and "rebuilt" in note for note in store.notes)


def test_a_planted_pickle_never_runs(tmp_path: Path, applied: list[str]) -> None:
    """A valid pickle, sealed as an entry would be, in place of every snapshot: it is refused as
    data, and the code it carries never runs."""
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    files = write_stream(tmp_path / "m", FILES)
    replay_cached(CheckCache(tmp_path / "cache"), "engine", files, read_migration)
    planted = seal(pickle.dumps((cache_module.CACHE_FORMAT, Exploit())))
    for name in entries(tmp_path):
        (tmp_path / "cache" / "replay" / name).write_bytes(planted)
    store = CheckCache(tmp_path / "cache")
    applied.clear()
    result = replay_cached(store, "engine", files, read_migration)
    assert not marker.exists()
    assert applied == list(FILES)
    assert summary(result) == summary(fresh(files))
    assert store.notes and all("not a replay snapshot" in note for note in store.notes)


def test_the_snapshot_codec_round_trips_a_replay_with_its_parsed_statements(tmp_path: Path) -> None:
    files = write_stream(tmp_path / "m", FILES)
    result = fresh(files, LintSettings.default())
    decoded = replay_codec.decode(replay_codec.encode(result))
    assert summary(decoded) == summary(result)

    def statement_fields(replayed: object) -> object:
        statement = getattr(replayed, "statement", None)
        if statement is None:
            return None
        fields = {k: v for k, v in vars(statement).items() if k not in ("raw", "ast")}
        return type(statement), fields, statement.raw.text, statement.raw.start, statement.raw.terminated

    assert [statement_fields(s) for s in decoded.statements] == [statement_fields(s) for s in result.statements]
    # A file's text is written once, however many statements it holds.
    written = json.dumps(FILES["0001_users.sql"])[1:-1].encode()
    assert replay_codec.encode(result).count(written) == 1


def test_the_snapshot_codec_refuses_classes_it_does_not_name() -> None:
    with pytest.raises(TypeError, match="cannot hold"):
        replay_codec.encode([Path("a"), subprocess.CompletedProcess(["x"], 0)])
    for planted in (
        '[]\n{"\\u0000o": ["Popen", "x"]}',  # a class it does not name
        '[]\n{"\\u0000o": ["CompletedProcess", ["ls"], 0]}',
        '[]\n{"\\u0000e": ["Table", "x"]}',  # not an enumeration
        '[]\n{"\\u0000o": ["Location", "a", 1]}',  # a field missing
        '[]\n["\\u0002", "Popen", 1]',  # a value of a class it does not name
        '[]\n["\\u0002", "Table", "t"]',  # a class it names, but not one written as a value
        '[]\n["\\u0002", "SourceRef", "a.sql"]',  # a field missing
        '[]\n{"\\u0000z": 1}',  # an unknown tag
        '[]\n{"\\u0000s": 3}',  # no such shared string
        '[]\n{"\\u0000o": ["Location", "a", 1, 1], "x": 2}',  # two keys
        '[1]\n"x"',  # shared strings that are not strings
        "[]\n" + "[" * 100_000,
    ):
        with pytest.raises(replay_codec.SnapshotFormatError):
            replay_codec.decode(planted.encode())


def test_a_snapshot_above_the_cap_is_not_stored(
    tmp_path: Path, applied: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "SNAPSHOT_CAP", 1000)
    files = write_stream(tmp_path / "m", FILES)
    replay_cached(CheckCache(tmp_path / "cache"), "engine", files, read_migration)
    assert entries(tmp_path) == []


def test_stale_temporary_files_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    store.write("report", "a", b"1")
    folder = tmp_path / "cache" / "report"
    stale, recent = folder / ".b.0000.tmp", folder / ".c.1111.tmp"
    stale.write_bytes(b"half")
    recent.write_bytes(b"being written")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    store.write("report", "d", b"2")
    assert not stale.exists() and recent.exists()


def test_entries_are_private_files(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    store.write("report", "a", b"1")
    assert (tmp_path / "cache" / "report" / "a").stat().st_mode & 0o077 == 0
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0


@needs_root
def test_an_entry_of_another_user_is_not_read(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    store.write("report", "a", b"1")
    os.chown(tmp_path / "cache" / "report" / "a", 4242, 4242)
    assert store.read("report", "a") is None
    assert store.notes and "not a regular file of this user" in store.notes[0]


def test_a_forged_report_in_a_shared_directory_does_not_turn_a_failing_check_green(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., CliResult]
) -> None:
    root = make_project(dict(LINTED))
    monkeypatch.chdir(root)
    shared = tmp_path / "shared-cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(shared))
    failing = run_cli("check", str(migrations(root) / "0003_bad.sql"))
    assert failing.code == 1
    # Another user rewrites every stored report as a clean one and leaves the folder writable.
    clean = json.dumps({"rules": [], "findings": [], "notes": [], "files": 3, "statements": 3, "tables": {}})
    forged = list((shared / "report").iterdir())
    assert forged
    for entry in forged:
        entry.write_bytes(seal(clean.encode()))
    shared.chmod(0o777)
    result = run_cli("check", str(migrations(root) / "0003_bad.sql"))
    assert result.code == 1 and "0003_bad.sql" in result.out
    assert f"not using the cache in {shared}" in result.err and "can be written by other users" in result.err
    shared.chmod(0o700)  # the same forged entries in a private folder are this user's own doing
    assert run_cli("check", str(migrations(root) / "0003_bad.sql")).code == 0


def test_hook_runs_at_once_never_corrupt_the_cache(make_project: MakeProject, tmp_path: Path) -> None:
    """Four hook runs start together on a cold cache: every entry they leave reads back whole, and
    the next run answers from it with the same report."""
    root = make_project(dict(LINTED))
    cache = tmp_path / "cache"
    env = {**os.environ, CACHE_DIR_ENV: str(cache)}
    target = str(migrations(root) / "0003_bad.sql")
    command = [sys.executable, "-m", "grove_schema.cli", "check", target]
    runs = [
        subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [1, 1, 1, 1]
    assert len({out for out, _err in outputs}) == 1 and all("could not be used" not in err for _out, err in outputs)
    store = CheckCache(cache)
    for kind in ("report", "replay", "config"):
        for entry in (cache / kind).iterdir():
            assert not entry.name.startswith("."), entry  # no temporary left behind
            assert store.read(kind, entry.name) is not None, entry
    assert store.notes == []
    again = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 1 and again.stdout == outputs[0][0]


def test_a_file_above_the_cap_is_keyed_by_its_stat_without_being_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "_HASHED_BYTES", 1000)
    big = migrations(project) / "0009_big.sql"
    big.write_bytes(b"-- x\n" * 500)
    reads: list[str] = []
    real = regular_file_digest

    def counting(path: str) -> str | None:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(cache_module, "regular_file_digest", counting)
    before = key_of(project)
    assert str(big) not in reads
    big.write_bytes(b"-- y\n" * 600)  # a different size: a different key
    assert key_of(project) != before


@pytest.mark.parametrize(
    "budget",
    ["statement_seconds = 0.2", "file_seconds = 0.2"],
)
def test_a_report_whose_time_budget_ran_out_is_not_stored(
    make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: str
) -> None:
    """Whether a budget runs out depends on the machine and its load, which the key does not hold."""
    from .conftest import MINIMAL_CONFIG

    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n;\n"
    root = make_project({"0001_loop.sql": endless}, MINIMAL_CONFIG + f"\n[dev_database]\n{budget}\n")
    monkeypatch.chdir(root)
    store = CheckCache(tmp_path / "cache")
    outcome = cached_check(config_of(root), store)
    assert isinstance(outcome, ProjectReplay) and outcome.findings
    assert not (tmp_path / "cache" / "report").exists() or list((tmp_path / "cache" / "report").iterdir()) == []
    again = cached_check(config_of(root), store)
    assert isinstance(again, ProjectReplay)  # replayed again, not answered from the cache


def test_a_fifo_planted_as_an_entry_or_a_store_never_blocks(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "cache")
    store.write("report", "a", b"1")
    os.mkfifo(tmp_path / "cache" / "report" / "b")
    assert store.read("report", "b") is None  # returns at once: opened without blocking, refused
    assert store.notes and "not a regular file" in store.notes[0]
    os.mkfifo(tmp_path / "cache" / cache_module.HASHES_NAME)
    notes: list[str] = []
    assert cache_module.read_store(tmp_path / "cache" / cache_module.HASHES_NAME, notes) is None
    assert notes and "not a regular file" in notes[0]


def test_a_restored_statement_is_parsed_on_first_use_and_keeps_its_kind_and_tables(tmp_path: Path) -> None:
    """A snapshot holds each statement unparsed: its kind and tables are there at once (what the
    ownership checks read), its parsed form is made again when asked for, equal to the replay's."""
    files = write_stream(tmp_path / "m", FILES)
    result = fresh(files, LintSettings.default())
    decoded = replay_codec.decode(replay_codec.encode(result))
    assert [s.kind for s in decoded.statements] == [s.kind for s in result.statements]
    assert [s.tables for s in decoded.statements] == [s.tables for s in result.statements]
    assert any(s.tables for s in decoded.statements)
    restored = next(s for s in decoded.statements if s.kind is not None)
    from grove_schema.sql.lexer import RawStatement

    assert isinstance(restored.parsed, RawStatement)  # held unparsed
    before = hash(restored)
    original = next(s for s in result.statements if s.location == restored.location)
    assert type(restored.statement) is type(original.statement)
    assert restored == original and hash(restored) == before  # parsing it changed neither
