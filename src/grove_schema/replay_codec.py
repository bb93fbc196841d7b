"""A replay snapshot as data: JSON over a closed set of classes, so reading one never runs code.

The cache keeps the replay of a stream's prefix between hook runs, and a cache directory can be
shared or planted; `pickle` would let such a file run any code on load. Here every value is a
JSON scalar or a tagged list, and an object is rebuilt only when its class is one of the few this
module names (the schema model, the parsed statements, findings, file layouts): anything else is
refused. Long strings (a file's text is the source of every statement in it) are written once.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
from pathlib import Path
from typing import Any

from grove_schema.findings import RuleInfo

_SHARED_MIN = 64  # strings at least this long are written once and referred to by index


class SnapshotFormatError(ValueError):
    """The data is not a snapshot this version wrote."""


@functools.lru_cache(maxsize=1)
def _classes() -> dict[str, type]:
    """Every class a snapshot may hold, by name (the one place that widens what can be read)."""
    from grove_schema import findings, layouts, model, replay, suppressions
    from grove_schema.sql import lexer, parsing

    allowed: list[type] = [
        replay.StreamReplay,
        replay.ReplayedStatement,
        model.Schema,
        model.SourceRef,
        model.Provenance,
        model.Column,
        model.ForeignKey,
        model.UniqueConstraint,
        model.CheckConstraint,
        model.PrimaryKey,
        model.Table,
        model.IndexColumn,
        model.Index,
        model.View,
        model.Trigger,
        model.VirtualTable,
        layouts.MigrationFile,
        suppressions.FileLayout,
        findings.Location,
        findings.Finding,
        findings.RuleInfo,
        findings.Severity,
        lexer.Token,
        lexer.TokenKind,
        parsing.Kind,
        parsing.ForeignKeyClause,
        parsing.ColumnDef,
        parsing.TableConstraintDef,
        parsing.IndexedColumn,
        parsing.Statement,
        parsing.CreateTable,
        parsing.CreateVirtualTable,
        parsing.AlterTable,
        parsing.DropObject,
        parsing.CreateIndex,
        parsing.CreateView,
        parsing.CreateTrigger,
        parsing.Pragma,
        parsing.Transaction,
        parsing.OtherStatement,
    ]
    return {cls.__qualname__: cls for cls in allowed}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if dataclasses.is_dataclass(cls):
            names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        elif hasattr(cls, "model_fields"):  # a pydantic model
            names = tuple(cls.model_fields)
        else:
            raise TypeError(f"{cls.__qualname__} is neither a dataclass nor a model")
        _FIELD_NAMES[cls] = names
    return names


class _Encoder:
    def __init__(self) -> None:
        self.shared: list[str] = []
        self._shared_index: dict[str, int] = {}

    def value(self, obj: Any) -> Any:
        if obj is None or (isinstance(obj, bool | int | float) and not isinstance(obj, enum.Enum)):
            return obj
        if isinstance(obj, str):
            if len(obj) < _SHARED_MIN:
                return obj
            index = self._shared_index.get(obj)
            if index is None:
                index = self._shared_index[obj] = len(self.shared)
                self.shared.append(obj)
            return ["S", index]
        if isinstance(obj, list):
            return ["L", *map(self.value, obj)]
        if isinstance(obj, tuple):
            return ["T", *map(self.value, obj)]
        if isinstance(obj, dict):
            return ["D", *(v for pair in obj.items() for v in map(self.value, pair))]
        if isinstance(obj, Path):
            return ["P", str(obj)]
        if isinstance(obj, enum.Enum):
            return ["E", self._name(type(obj)), obj.name]
        from grove_schema.sql.lexer import RawStatement

        if isinstance(obj, RawStatement):
            return ["R", self.value(obj.source), obj.start, obj.end, obj.terminated, self.value(obj.unterminated)]
        cls = type(obj)
        name = self._name(cls)
        return ["O", name, *(self.value(getattr(obj, field)) for field in _field_names(cls))]

    @staticmethod
    def _name(cls: type) -> str:
        name = cls.__qualname__
        if _classes().get(name) is not cls:
            raise TypeError(f"a snapshot cannot hold a {cls.__module__}.{name}")
        return name


def encode(obj: Any) -> bytes:
    """`obj` as JSON; TypeError when it holds an object of a class this module does not name."""
    encoder = _Encoder()
    body = encoder.value(obj)
    return json.dumps([encoder.shared, body], separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


def decode(data: bytes) -> Any:
    """What `encode` wrote; SnapshotFormatError for anything else."""
    try:
        shared, body = json.loads(data.decode("utf-8", "surrogatepass"))
        if not isinstance(shared, list) or not all(isinstance(s, str) for s in shared):
            raise SnapshotFormatError("the shared strings are not a list of strings")
        return _Decoder(shared).value(body)
    except SnapshotFormatError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
        raise SnapshotFormatError(f"not a replay snapshot: {type(error).__name__}: {error}") from None


class _Decoder:
    def __init__(self, shared: list[str]) -> None:
        self.shared = shared
        self.classes = _classes()

    def value(self, item: Any) -> Any:
        if not isinstance(item, list):
            if item is None or isinstance(item, bool | int | float | str):
                return item
            raise SnapshotFormatError(f"unexpected JSON value {type(item).__name__}")
        tag = item[0]
        if tag == "S":
            return self.shared[item[1]]
        if tag == "L":
            return [self.value(v) for v in item[1:]]
        if tag == "T":
            return tuple(self.value(v) for v in item[1:])
        if tag == "D":
            values = [self.value(v) for v in item[1:]]
            return dict(zip(values[0::2], values[1::2], strict=True))
        if tag == "P":
            return Path(_text(item[1]))
        if tag == "E":
            cls = self._class(item[1])
            if not issubclass(cls, enum.Enum):
                raise SnapshotFormatError(f"{item[1]} is not an enumeration")
            return cls[_text(item[2])]
        if tag == "R":
            from grove_schema.sql.lexer import RawStatement

            source, start, end, terminated, unterminated = item[1:]
            return RawStatement(
                _text(self.value(source)), _int(start), _int(end), bool(terminated), self.value(unterminated)
            )
        if tag == "O":
            cls = self._class(item[1])
            names = _field_names(cls)
            if len(item) - 2 != len(names):
                raise SnapshotFormatError(f"{item[1]} has {len(names)} fields, the data {len(item) - 2}")
            fields = dict(zip(names, (self.value(v) for v in item[2:]), strict=True))
            construct = getattr(cls, "model_construct", None)  # a pydantic model: the data is its own
            obj = construct(**fields) if construct is not None else cls(**fields)
            return self._registered(obj) if cls is RuleInfo else obj
        raise SnapshotFormatError(f"unknown tag {tag!r}")

    @staticmethod
    def _registered(rule: RuleInfo) -> RuleInfo:
        """The registered RuleInfo when it is the same, so that findings keep comparing by identity."""
        from grove_schema.registry import find_rule  # the replay has imported the rules already

        registered = find_rule(rule.code)
        return registered if registered is not None and registered == rule else rule

    def _class(self, name: object) -> type:
        cls = self.classes.get(name) if isinstance(name, str) else None
        if cls is None:
            raise SnapshotFormatError(f"a snapshot cannot hold {name!r}")
        return cls


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise SnapshotFormatError("expected a string")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SnapshotFormatError("expected an integer")
    return value
