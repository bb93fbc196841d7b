"""files.write_atomically: readers never see half a file, and a failure leaves nothing behind;
files.read_bounded: a regular file's bytes, whatever its fstat said, up to the cap."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grove_schema.files import RefusedRead, read_bounded, write_atomically


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    """Set the process umask for one test; the previous one comes back afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)

    def set_umask(value: int) -> None:
        os.umask(value)

    try:
        yield set_umask
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_text_is_written_as_utf8_and_bytes_verbatim(tmp_path: Path) -> None:
    text_file = tmp_path / "lock.txt"
    write_atomically(text_file, "café\nline two\n")
    assert text_file.read_bytes() == "café\nline two\n".encode()

    binary = tmp_path / "blob.bin"
    payload = bytes(range(256)) + b"\r\n\x00"
    write_atomically(binary, payload)
    assert binary.read_bytes() == payload


def test_newlines_are_not_translated(tmp_path: Path) -> None:
    target = tmp_path / "crlf.sql"
    write_atomically(target, "a;\r\nb;\n")
    assert target.read_bytes() == b"a;\r\nb;\n"


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "migrations.lock"
    target.write_text("a much longer old content that must not survive in part\n", encoding="utf-8")
    write_atomically(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["migrations.lock"]


@pytest.mark.parametrize("permissions", [0o600, 0o640, 0o755, 0o444])
def test_an_existing_file_keeps_its_permissions(tmp_path: Path, umask: Callable[[int], None], permissions: int) -> None:
    umask(0o077)  # would give 0o600 to a new file: the old mode must win
    target = tmp_path / "NEXT_MIGRATION_NUMBER.txt"
    target.write_text("1\n", encoding="utf-8")
    target.chmod(permissions)
    write_atomically(target, "2\n")
    assert mode(target) == permissions
    assert target.read_text(encoding="utf-8") == "2\n"


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_follows_the_umask(tmp_path: Path, umask: Callable[[int], None], mask: int, expected: int) -> None:
    umask(mask)
    target = tmp_path / "new.sql"
    write_atomically(target, "SELECT 1;\n")
    assert mode(target) == expected  # 0o666 minus the umask, as open() gives; never mkstemp's 0o600


def test_the_temporary_is_a_dot_file_beside_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def spying_replace(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> None:
        seen.append((Path(source), Path(destination)))
        assert Path(source).read_bytes() == b"payload"  # complete before the rename
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", spying_replace)
    target = tmp_path / "0001_init.sql"
    write_atomically(target, b"payload")
    assert len(seen) == 1
    temporary, destination = seen[0]
    assert destination == target
    assert temporary.parent == target.parent  # same directory: the rename is atomic
    assert temporary.name.startswith(".")  # wrangler and discovery skip dot files
    assert target.name in temporary.name and temporary.name.endswith(".tmp")
    assert not temporary.exists()


def test_temporaries_have_distinct_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names: list[str] = []
    real_replace = os.replace

    def recording_replace(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> None:
        names.append(Path(source).name)
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", recording_replace)
    for _ in range(5):
        write_atomically(tmp_path / "same.txt", "x")
    assert len(set(names)) == 5


def failing(error: BaseException) -> Callable[..., None]:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise error

    return fail


@pytest.mark.parametrize("step", ["replace", "fsync", "chmod"])
@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_leaves_no_temporary_and_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, error: BaseException
) -> None:
    target = tmp_path / "migrations.lock"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o644)  # an existing file: chmod runs
    monkeypatch.setattr(os, step, failing(error))
    with pytest.raises(type(error)):
        write_atomically(target, "new\n")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["migrations.lock"]
    assert target.read_text(encoding="utf-8") == "old\n"


def test_a_failed_write_of_a_new_file_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", failing(OSError(5, "Input/output error")))
    with pytest.raises(OSError, match="Input/output"):
        write_atomically(tmp_path / "new.txt", "x")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "absent" / "file.txt", "x")
    assert list(tmp_path.iterdir()) == []


# --- read_bounded ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 65_536, 200_001])
def test_read_bounded_returns_every_byte(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f.sql"
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)
    assert read_bounded(path, 1_000_000) == data


def _fstat_reporting(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """fstat says the file has `size` bytes: it grew or shrank between the fstat and the reads."""
    real = os.fstat

    def fstat(descriptor: int) -> os.stat_result:
        info = list(real(descriptor))
        info[stat.ST_SIZE] = size
        return os.stat_result(info)

    monkeypatch.setattr(os, "fstat", fstat)


@pytest.mark.parametrize("reported", [0, 10, 4096, 70_000, 500_000])
def test_read_bounded_reads_to_the_end_whatever_fstat_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reported: int
) -> None:
    path = tmp_path / "f.sql"
    data = b"0123456789" * 15_000  # 150,000 bytes: more than one read of any size asked
    path.write_bytes(data)
    _fstat_reporting(reported, monkeypatch)
    assert read_bounded(path, 1_000_000) == data


def test_read_bounded_refuses_a_file_that_grew_past_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.sql"
    path.write_bytes(b"a" * 10_001)
    _fstat_reporting(100, monkeypatch)
    with pytest.raises(RefusedRead, match="above the 10,000-byte cap"):
        read_bounded(path, 10_000)
    assert read_bounded(path, 10_001) == b"a" * 10_001
