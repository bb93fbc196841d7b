"""What a run has replayed so far: the replayers it made, so that when it stops on a bug, the
findings of the files already replayed can still be reported (`commands/check`).

A module of its own, with no import of the replay: `check` enters `gathering()` on every run, a
cache hit included, which must not load the replay's dependencies."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

_gathering: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("_gathering", default=None)


@contextlib.contextmanager
def gathering() -> Iterator[list[Any]]:
    """Every replayer created inside the block (`replay.Replayer`), in order."""
    replayers: list[Any] = []
    token = _gathering.set(replayers)
    try:
        yield replayers
    finally:
        _gathering.reset(token)


def gathered(replayer: object) -> None:
    """Called by each new replayer: kept when a `gathering()` block is open."""
    replayers = _gathering.get()
    if replayers is not None:
        replayers.append(replayer)
