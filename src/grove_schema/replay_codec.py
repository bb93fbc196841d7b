"""A replay snapshot as data: JSON over a closed set of classes, so reading one never runs code.

The cache keeps the replay of a stream's prefix between hook runs, and a cache directory can be
shared or planted; `pickle` would let such a file run any code on load. Here every value is a
JSON scalar, a list or a tagged object, and an object is rebuilt only when its class is one of the
few dataclasses this module names (the schema model, parsed statements, findings, file layouts):
anything else is refused.
Long strings (a file's text is the source of every statement in it) are written once, and an
object met again is written as a reference to the first.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
from collections.abc import Iterable
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
        replay.StreamReplay,
        replay.ReplayedStatement,
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
_BUILDERS: dict[type, Any] = {}


def _builder(cls: type) -> Any:
    """How to rebuild an object of `cls` from its fields' values, in order. A dataclass whose every
    field is set by __init__ and kept in __dict__ gets them straight into a new instance's
    __dict__ (what its __init__ would store, without a call per field: a frozen dataclass sets
    each through object.__setattr__); others (a `__post_init__`) go through __init__."""
    build = _BUILDERS.get(cls)
    if build is None:
        names = _field_names(cls)
        fields = dataclasses.fields(cls)
        direct = (
            hasattr(cls, "__dict__")
            and "__slots__" not in vars(cls)
            and len(fields) == len(names)
            and not hasattr(cls, "__post_init__")
        )
        if direct:
            new = object.__new__

            def build(values: list[Any]) -> Any:
                obj: Any = new(cls)
                obj.__dict__.update(zip(names, values, strict=True))
                return obj

        else:

            def build(values: list[Any]) -> Any:
                return cls(**dict(zip(names, values, strict=True)))

        _BUILDERS[cls] = build
    return build


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__qualname__} is not a dataclass")
        names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        _FIELD_NAMES[cls] = names
    return names


# Every JSON object of a snapshot is one of these tags and its payload: json's own parser calls
# `_Decoder.hook` on each, innermost first, and never calls Python for a scalar or a list. To keep
# those calls few, an object's tuple fields are written as lists (its shape says which), and a
# shared string is a scalar: `_SHARED_MARK` and its index (a string that starts with the mark is
# always shared, so none is mistaken for one).
_TUPLE, _DICT, _PATH, _ENUM, _RAW = "\0t", "\0d", "\0p", "\0e", "\0r"
_OBJECT, _AGAIN = "\0o", "\0a"
_SHARED_MARK = "\x01"
# The small value objects there are thousands of (a `path:line` for every column) are lists, not
# tagged objects, so that json's parser makes them without a call to Python: `[_VALUE_MARK, class,
# *fields]`, a tuple among their fields `[_TUPLE_MARK, *items]`. Compared by value, never shared:
# each is written where it is met. A string that starts with a mark is always shared, so no plain
# list is taken for one of these.
_VALUE_MARK, _TUPLE_MARK = "\x02", "\x03"
_MARKS = (_SHARED_MARK, _VALUE_MARK, _TUPLE_MARK)
_VALUE_CLASSES = frozenset({"SourceRef", "Provenance", "Location"})
# An object field's shape: as written, a tuple (a list of values), a tuple of tuples (of lists).
_PLAIN, _TUPLE_FIELD, _TUPLES_FIELD = "v", "t", "u"


class _Encoder:
    def __init__(self) -> None:
        self.shared: list[str] = []
        self._shared_index: dict[str, int] = {}
        # An object met again (every statement of a file holds the same MigrationFile) is written
        # as a reference to its first writing, which the parser has finished by then.
        self._written: dict[int, int] = {}

    def value(self, obj: Any) -> Any:
        if obj is None or (isinstance(obj, bool | int | float) and not isinstance(obj, enum.Enum)):
            return obj
        if isinstance(obj, str):
            if len(obj) < _SHARED_MIN and not obj.startswith(_MARKS):
                return obj
            index = self._shared_index.get(obj)
            if index is None:
                index = self._shared_index[obj] = len(self.shared)
                self.shared.append(obj)
            return f"{_SHARED_MARK}{index}"
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, tuple):
            return {_TUPLE: [self.value(v) for v in obj]}
        if isinstance(obj, dict):
            return {_DICT: [[self.value(k), self.value(v)] for k, v in obj.items()]}
        if isinstance(obj, Path):
            return {_PATH: str(obj)}
        if isinstance(obj, enum.Enum):
            return {_ENUM: [self._name(type(obj)), obj.name]}
        from grove_schema.sql.lexer import RawStatement

        if isinstance(obj, RawStatement):
            return {_RAW: [self.value(obj.source), obj.start, obj.end, obj.terminated, self.value(obj.unterminated)]}
        cls = type(obj)
        if cls.__qualname__ in _VALUE_CLASSES:
            return [_VALUE_MARK, self._name(cls), *(self._value_field(getattr(obj, f)) for f in _field_names(cls))]
        again = self._written.get(id(obj))
        if again is not None:
            return {_AGAIN: again}
        written = obj
        if cls is _classes()["ReplayedStatement"]:
            # Its parsed form is the snapshot's bulk and the ownership checks do not read it:
            # written as its raw text, parsed again on first use.
            written = obj.unparsed()
        name = self._name(cls)
        shape, fields = [], []
        for field in _field_names(cls):
            value = getattr(written, field)
            if isinstance(value, tuple) and all(isinstance(item, tuple) for item in value) and value:
                shape.append(_TUPLES_FIELD)
                fields.append([[self.value(v) for v in item] for item in value])
            elif isinstance(value, tuple):
                shape.append(_TUPLE_FIELD)
                fields.append([self.value(v) for v in value])
            else:
                shape.append(_PLAIN)
                fields.append(self.value(value))
        number = self._written[id(obj)] = len(self._written)
        return {_OBJECT: [name, number, "".join(shape), *fields]}

    def _value_field(self, value: Any) -> Any:
        if isinstance(value, tuple):
            return [_TUPLE_MARK, *(self.value(item) for item in value)]
        return self.value(value)

    @staticmethod
    def _name(cls: type) -> str:
        name = cls.__qualname__
        if _classes().get(name) is not cls:
            raise TypeError(f"a snapshot cannot hold a {cls.__module__}.{name}")
        return name


def encode(obj: Any) -> bytes:
    """`obj` as JSON; TypeError when it holds an object of a class this module does not name.

    Two JSON documents on two lines (compact JSON never holds a raw newline): the shared strings,
    then the value, so that the decoder knows every shared string before it meets a reference."""
    encoder = _Encoder()
    body = json.dumps(encoder.value(obj), separators=(",", ":"), ensure_ascii=False)
    shared = json.dumps(encoder.shared, separators=(",", ":"), ensure_ascii=False)
    return f"{shared}\n{body}".encode("utf-8", "surrogatepass")


def decode(data: bytes) -> Any:
    """What `encode` wrote; SnapshotFormatError for anything else."""
    try:
        text = data.decode("utf-8", "surrogatepass")
        shared_text, _newline, body_text = text.partition("\n")
        shared = json.loads(shared_text)
        if not isinstance(shared, list) or not all(isinstance(s, str) for s in shared):
            raise SnapshotFormatError("the shared strings are not a list of strings")
        decoder = _Decoder(shared)
        return decoder.resolve(json.loads(body_text, object_hook=decoder.hook))
    except SnapshotFormatError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
        raise SnapshotFormatError(f"not a replay snapshot: {type(error).__name__}: {error}") from None


class _Converters(tuple[Any, ...]):
    """How to read each field of an object as written: None for a plain value, else the
    function that rebuilds its tuple; `plain` when every field is plain."""

    plain: bool

    def __new__(cls, converters: Iterable[Any]) -> _Converters:
        made = super().__new__(cls, converters)
        made.plain = all(convert is None for convert in made)
        return made


class _Decoder:
    """Rebuilds each tagged object as json's parser meets it, innermost first."""

    def __init__(self, shared: list[str]) -> None:
        self.shared = shared
        self.classes = _classes()
        self.built: dict[int, Any] = {}
        self._plans: dict[tuple[str, str], tuple[type, Any, _Converters]] = {}

    def resolve(self, value: Any) -> Any:
        """A shared string's text; a list's items resolved; anything else as it is."""
        if value.__class__ is str:
            return self.shared[int(value[1:])] if value[:1] == _SHARED_MARK else value
        if value.__class__ is list:
            head = value[0] if value else None
            if head == _VALUE_MARK:
                return self._value_object(value)
            if head == _TUPLE_MARK:
                return tuple([self.resolve(item) for item in value[1:]])
            return [self.resolve(item) for item in value]
        return value

    def _value_object(self, value: list[Any]) -> Any:
        name = value[1]
        if name not in _VALUE_CLASSES:
            raise SnapshotFormatError(f"{name!r} is not written as a value")
        cls = self._class(name)
        fields = value[2:]
        if len(fields) != len(_field_names(cls)):
            raise SnapshotFormatError(f"{name} has {len(_field_names(cls))} fields, not {len(fields)}")
        return _builder(cls)([self.resolve(item) for item in fields])

    def hook(self, obj: dict[str, Any]) -> Any:
        if len(obj) != 1:
            raise SnapshotFormatError("an object of a snapshot has exactly one tag")
        ((tag, payload),) = obj.items()
        resolve = self.resolve
        if tag == _OBJECT:
            cls, build, converters = self._plan(payload[0], payload[2])
            fields = payload[3:]
            if len(fields) != len(converters):
                raise SnapshotFormatError(f"{payload[0]} has {len(converters)} fields, not {len(fields)}")
            if converters.plain:
                values = [resolve(value) for value in fields]
            else:
                values = [
                    resolve(value) if convert is None else convert(value)
                    for convert, value in zip(converters, fields, strict=True)
                ]
            built = build(values)
            if cls is RuleInfo:
                built = self._registered(built)
            self.built[_int(payload[1])] = built
            return built
        if tag == _AGAIN:
            return self.built[_int(payload)]
        if tag == _TUPLE:
            return tuple(resolve(item) for item in _list(payload))
        if tag == _DICT:
            return {resolve(key): resolve(value) for key, value in _list(payload)}
        if tag == _ENUM:
            cls = self._class(payload[0])
            if not issubclass(cls, enum.Enum):
                raise SnapshotFormatError(f"{payload[0]} is not an enumeration")
            return cls[_text(payload[1])]
        if tag == _RAW:
            from grove_schema.sql.lexer import RawStatement

            source, start, end, terminated, unterminated = payload
            return RawStatement(_text(resolve(source)), _int(start), _int(end), bool(terminated), unterminated)
        if tag == _PATH:
            return Path(_text(payload))
        raise SnapshotFormatError(f"unknown tag {tag!r}")

    def _plan(self, name: object, shape: object) -> tuple[type, Any, _Converters]:
        """The class, its builder and how to read each field, once per class and shape."""
        plan = self._plans.get((name, shape)) if isinstance(name, str) and isinstance(shape, str) else None
        if plan is None:
            cls = self._class(name)
            kinds = _text(shape)
            if len(kinds) != len(_field_names(cls)):
                raise SnapshotFormatError(f"{name} has {len(_field_names(cls))} fields, not {len(kinds)}")
            by_kind = {_PLAIN: None, _TUPLE_FIELD: self._tuple, _TUPLES_FIELD: self._tuples}
            if any(kind not in by_kind for kind in kinds):
                raise SnapshotFormatError(f"unknown field shape {shape!r}")
            converters = _Converters(by_kind[kind] for kind in kinds)
            plan = self._plans[(cls.__qualname__, kinds)] = (cls, _builder(cls), converters)
        return plan

    def _tuple(self, value: Any) -> tuple[Any, ...]:
        resolve = self.resolve
        return tuple([resolve(item) for item in _list(value)])

    def _tuples(self, value: Any) -> tuple[tuple[Any, ...], ...]:
        resolve = self.resolve
        return tuple([tuple([resolve(v) for v in _list(item)]) for item in _list(value)])

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


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise SnapshotFormatError("expected a list")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SnapshotFormatError("expected an integer")
    return value
