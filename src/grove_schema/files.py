"""Writing generated files: atomically, so readers never see half a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path


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
