"""Writing generated files atomically, so readers never see half a file; reading the small files
grove-schema trusts (configuration, lock, reservation, migrations) with a bound, so a FIFO, a device
or a huge file is a clear refusal, never a hang or a MemoryError."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import hashlib


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write a temporary file beside `path`, then rename it over `path`.

    The temporary name starts with a dot, so wrangler and discovery ignore it if a crash leaves
    it; an existing file keeps its permissions."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    try:
        # 0o666 lets the umask decide, as for any new file (mkstemp would give 0o600).
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# The configuration, the lock and the reservation are a few kilobytes; 1 MiB is far above any real one.
MAX_SMALL_FILE_BYTES = 1 << 20


class RefusedRead(OSError):
    """A file grove-schema will not read: not a regular file, or above its size cap."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EINVAL, reason)


def read_bounded(path: Path, limit: int = MAX_SMALL_FILE_BYTES) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them.

    Opened non-blocking (a FIFO does not wait for a writer) and checked with fstat before reading:
    a directory, a FIFO, a socket or a device (`/dev/zero`) raises `RefusedRead`, and so does a file
    above `limit` (also when it grows while being read). Other failures are the usual `OSError`."""
    descriptor, info = _open_regular(path)
    try:
        if info.st_size > limit:
            raise RefusedRead(f"{info.st_size:,} bytes, above the {limit:,}-byte cap")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(descriptor, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise RefusedRead(f"above the {limit:,}-byte cap")
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def sha256(data: bytes = b"") -> hashlib._Hash:
    """hashlib.sha256, imported on first use: hashlib loads OpenSSL's libcrypto (4 ms), and a check
    without the cache never hashes."""
    import hashlib

    return hashlib.sha256(data)


def regular_file_digest(path: str | Path) -> str | None:
    """sha256 of a regular file's content, streamed (any size); None for a FIFO, a device or a
    folder, which are never read."""
    import hashlib

    try:
        descriptor, _info = _open_regular(path)
    except RefusedRead:
        return None
    with open(descriptor, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _open_regular(path: str | Path) -> tuple[int, os.stat_result]:
    """A descriptor of `path` and its fstat, opened non-blocking (a FIFO does not wait for a
    writer); RefusedRead, with the descriptor closed, when it is not a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise RefusedRead(f"not a regular file ({_kind(info.st_mode)})")
    return descriptor, info


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"
