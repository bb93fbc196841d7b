"""==, hash() and repr() of a dataclass, written once for the classes that inherit them.

Python 3.11 compiles every method a dataclass generates, at every import: a hook run imports 85
dataclasses and spent about 0.1 s making their methods. A class declared
`@dataclass(frozen=True, eq=False, repr=False)` that inherits `FrozenRecord` (or a mutable one,
`@dataclass(eq=False, repr=False)` inheriting `Record`) gets the same ==, hash() and repr() as the
dataclass would generate, from here: the fields in order, without those `compare=False` or
`repr=False`. At the bottom of the import graph: imports nothing of the package.

`frozen_record()` declares an internal record: frozen for the type checker, a plain dataclass at
run time. A frozen dataclass's `__init__` sets each field through `object.__setattr__` (4x slower
to construct) and Python compiles its `__setattr__` and `__delattr__` at every import; the package's
internal records (parsed statements, planned changes, rule contexts) are made thousands of times a
check and are never assigned to, which mypy checks. The public model (`grove_schema.model`, the
findings, the configuration) stays frozen at run time too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

_Class = TypeVar("_Class", bound=type)


@dataclass_transform(frozen_default=True, eq_default=False, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen_record(*, kw_only: bool = False) -> Callable[[_Class], _Class]:
    """A dataclass the type checker treats as frozen; it inherits `FrozenRecord`'s ==, hash() and repr()."""

    def make(cls: _Class) -> _Class:
        if not issubclass(cls, FrozenRecord):
            raise TypeError(f"{cls.__qualname__}: a frozen_record inherits FrozenRecord")
        dataclasses.dataclass(eq=False, repr=False, kw_only=kw_only)(cls)  # in place: no slots
        return cls

    return make


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
