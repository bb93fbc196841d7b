"""==, hash() and repr() of a dataclass, written once for the classes that inherit them.

Python 3.11 compiles every method a dataclass generates, at every import: a hook run imports 85
dataclasses and spent about 0.1 s making their methods. A class declared
`@dataclass(frozen=True, eq=False, repr=False)` that inherits `FrozenRecord` (or a mutable one,
`@dataclass(eq=False, repr=False)` inheriting `Record`) gets the same ==, hash() and repr() as the
dataclass would generate, from here: the fields in order, without those `compare=False` or
`repr=False`. At the bottom of the import graph: imports nothing of the package.
"""

from __future__ import annotations

import dataclasses
from typing import Any

_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


def _compared(cls: type) -> tuple[str, ...]:
    names = _COMPARED.get(cls)
    if names is None:
        names = _COMPARED[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
    return names


def _shown(cls: type) -> tuple[str, ...]:
    names = _SHOWN.get(cls)
    if names is None:
        names = _SHOWN[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.repr)
    return names


def _values(record: object) -> tuple[Any, ...]:
    return tuple([getattr(record, name) for name in _compared(type(record))])


class Record:
    """== and repr() of a mutable dataclass; not hashable, as the dataclass would be (a class that
    defines __eq__ and no __hash__ gets `__hash__ = None`)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _shown(type(self)))
        return f"{type(self).__qualname__}({shown})"


class FrozenRecord(Record):
    """== , hash() and repr() of a frozen dataclass."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(_values(self))
