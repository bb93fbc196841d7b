"""The schema model: what a D1 database holds after a stream of migrations (public API).

Objects are immutable; a change replaces the objects it touches, so a snapshot of a `Schema` is a
cheap shallow copy. Names compare case-insensitively, as in SQLite: dictionaries are keyed by
`key(name)`, the objects keep the spelling that created them.

The classes are dataclasses with pydantic's model API (`model_validate`, `model_dump_json`,
`model_json_schema`, `model_copy`): pydantic validates and serializes them, and is imported on the
first such call, not by a replay that only builds and reads the model (a hook run).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, TypeVar

from grove_schema.records import FrozenRecord

if TYPE_CHECKING:
    from pydantic import TypeAdapter


def key(name: str) -> str:
    """SQLite folds ASCII letters only when it compares names."""
    return name.lower() if name.isascii() else "".join(c.lower() if c.isascii() else c for c in name)


def affinity(declared: str) -> str:
    """SQLite's type affinity of a declared type (section 3.1 of its datatype document)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if upper == "" or "BLOB" in upper:
        return "BLOB"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}
_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    return names


class ModelObject(FrozenRecord):
    """pydantic's model API over a dataclass of the model. Unknown fields are refused, as by a
    pydantic model with `extra="forbid"`. The frozen classes take ==, hash() and repr() from
    `FrozenRecord` (`eq=False, repr=False`); the schema, which changes in place, has its own."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update`'s fields replaced, not validated (as pydantic's `model_copy`)."""
        if deep:
            copied = copy.deepcopy(self)
        else:
            copied = object.__new__(type(self))
            copied.__dict__.update(self.__dict__)
        if update:
            unknown = update.keys() - _field_names(type(self))
            if unknown:
                raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
            copied.__dict__.update(update)
        return copied

    @classmethod
    def model_validate(cls, obj: Any) -> Self:
        """`obj` (a mapping of the fields) validated into an object: pydantic's ValidationError if
        it does not fit."""
        validated: Self = _adapter(cls).validate_python(obj)
        return validated

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Self:
        validated: Self = _adapter(cls).validate_json(data)
        return validated

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        schema: dict[str, Any] = _adapter(cls).json_schema()
        return schema

    def model_dump(self, *, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        dumped: dict[str, Any] = _adapter(type(self)).dump_python(self, mode=mode)
        return dumped

    def model_dump_json(self) -> str:
        return _adapter(type(self)).dump_json(self).decode("utf-8")


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class SourceRef(ModelObject):
    """Where a statement stands: `path:line`."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Provenance(ModelObject):
    """Where an object was created and last changed."""

    created: SourceRef
    changed: tuple[SourceRef, ...] = ()

    def with_change(self, ref: SourceRef) -> Provenance:
        return Provenance(created=self.created, changed=(*self.changed, ref))


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Column(ModelObject):
    """A table column, as SQLite keeps it."""

    name: str
    type: str = ""  # declared type as written, quotes removed (SQLite treats "integer" as INTEGER)
    not_null: bool = False
    default: str | None = None  # the default expression as SQLite's catalog reports it
    primary_key: int = 0  # 1-based position in the primary key, 0 when not part of it
    collation: str | None = None
    generated: str | None = None  # "virtual" | "stored"
    generated_expr: str | None = None
    hidden: int = 0  # as PRAGMA table_xinfo: 2 virtual generated, 3 stored generated
    unique: bool = False  # a column-level UNIQUE
    checks: tuple[str, ...] = ()  # column-level CHECK expressions
    definition: str = ""  # the column definition as written, renames folded in
    provenance: Provenance


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ForeignKey(ModelObject):
    """A foreign key of a table: its columns, the parent table and columns, its actions."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...] = ()  # empty: the parent's primary key
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    match: str = "NONE"
    deferrable: str | None = None
    name: str | None = None
    column_level: bool = False  # declared on the column: dropped with it


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class UniqueConstraint(ModelObject):
    """A UNIQUE constraint, on a column or on the table."""

    columns: tuple[str, ...]
    name: str | None = None
    column_level: bool = False


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CheckConstraint(ModelObject):
    """A CHECK constraint, on a column or on the table."""

    expression: str
    name: str | None = None
    column: str | None = None  # declared on this column


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PrimaryKey(ModelObject):
    """A table's primary key."""

    columns: tuple[str, ...]
    descending: tuple[bool, ...] = ()
    name: str | None = None
    autoincrement: bool = False
    column_level: bool = False


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Table(ModelObject):
    """An ordinary table: its columns and constraints."""

    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    without_rowid: bool = False
    strict: bool = False
    provenance: Provenance

    def column(self, name: str) -> Column | None:
        wanted, size = key(name), len(name)
        for column in self.columns:
            if len(column.name) == size and key(column.name) == wanted:  # key() keeps the length
                return column
        return None

    @property
    def rowid_alias(self) -> str | None:
        """The INTEGER PRIMARY KEY column that aliases the rowid, if any."""
        pk = self.primary_key
        if self.without_rowid or pk is None or len(pk.columns) != 1:
            return None
        column = self.column(pk.columns[0])
        if column is None or column.type.upper() != "INTEGER":
            return None
        if pk.column_level and pk.descending and pk.descending[0]:
            return None  # SQLite's documented quirk: INTEGER PRIMARY KEY DESC is no alias
        return column.name


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class IndexColumn(ModelObject):
    """One column or expression of an index."""

    name: str | None = None  # a plain column
    expression: str | None = None  # or an expression
    descending: bool = False
    collation: str | None = None


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Index(ModelObject):
    """An index on a table (CREATE INDEX)."""

    name: str
    table: str
    unique: bool = False
    columns: tuple[IndexColumn, ...]
    where: str | None = None  # a partial index's WHERE, verbatim
    provenance: Provenance


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class View(ModelObject):
    """A view and its SELECT."""

    name: str
    select: str
    column_names: tuple[str, ...] = ()
    provenance: Provenance


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Trigger(ModelObject):
    """A trigger: its table, timing, event and body."""

    name: str
    table: str
    timing: str  # BEFORE | AFTER | INSTEAD OF
    event: str  # INSERT | DELETE | UPDATE
    update_columns: tuple[str, ...] = ()
    for_each_row: bool = False
    when: str | None = None
    body: tuple[str, ...] = ()
    provenance: Provenance


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class VirtualTable(ModelObject):
    """A virtual table: its module and arguments."""

    name: str
    module: str
    arguments: tuple[str, ...] = ()
    provenance: Provenance

    @property
    def column_names(self) -> tuple[str, ...]:
        """The declared columns: arguments that are not `option = value`."""
        names = []
        for argument in self.arguments:
            text = argument.strip()
            if not text or "=" in text.split("(")[0]:
                continue
            names.append(text.split()[0].strip('"`[]'))
        return tuple(names)


_Object = TypeVar("_Object")
_ABSENT: Any = object()  # a key a map did not hold


class _Journal:
    """What one map held before its recorded changes: the first value of each key changed
    (_ABSENT: not there); once a key is removed, the whole map instead (a key put back would go
    to the end, and the order of a schema's objects is the order they were made)."""

    __slots__ = ("before", "whole")

    def __init__(self) -> None:
        self.before: dict[str, Any] = {}
        self.whole: dict[str, Any] | None = None


class ObjectMap(dict[str, _Object]):
    """A schema's objects of one kind, by key. It can record its changes to undo them
    (`Schema.record_changes`): the replay rolls a failed file back without a copy of the schema
    made before every file, which grew with a long stream's schema."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._journal: _Journal | None = None

    def _note(self, name: str, removing: bool) -> None:
        journal = self._journal
        if journal is None or journal.whole is not None:
            return
        if removing:
            if dict.__contains__(self, name):
                journal.whole = self._recorded_start()
        elif name not in journal.before:
            journal.before[name] = dict.get(self, name, _ABSENT)

    def _recorded_start(self) -> dict[str, _Object]:
        """The map as it was when recording began."""
        journal = self._journal
        assert journal is not None
        if journal.whole is not None:
            return dict(journal.whole)
        state = dict(self)  # only additions (at the end) and replacements (in place) so far
        for name, value in journal.before.items():
            if value is _ABSENT:
                del state[name]
            else:
                state[name] = value
        return state

    def __setitem__(self, name: str, value: _Object) -> None:
        self._note(name, removing=False)
        super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        self._note(name, removing=True)
        super().__delitem__(name)

    def pop(self, name: str, *default: Any) -> Any:
        self._note(name, removing=True)
        return super().pop(name, *default)

    def popitem(self) -> tuple[str, _Object]:
        if not self:
            raise KeyError("popitem(): dictionary is empty")
        last = next(reversed(self))
        return last, self.pop(last)

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name not in self:
            self[name] = default
        return self[name]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def clear(self) -> None:
        for name in list(self):
            self.pop(name)

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        self.update(other)
        return self

    def _record(self) -> None:
        self._journal = _Journal()

    def _undo(self) -> None:
        journal = self._journal
        if journal is None:
            return
        if journal.whole is not None:
            dict.clear(self)
            dict.update(self, journal.whole)
        else:
            for name, value in journal.before.items():
                if value is _ABSENT:
                    dict.pop(self, name, None)
                else:
                    dict.__setitem__(self, name, value)
        self._journal = _Journal()  # recording goes on, from the state restored

    def _stop_recording(self) -> None:
        self._journal = None

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (dict(self),)

    def __copy__(self) -> Self:
        return type(self)(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return type(self)({k: copy.deepcopy(v, memo) for k, v in self.items()})


class IndexMap(ObjectMap[Index]):
    """A schema's indexes by key, which also knows each table's (`keys_of`): ADD COLUMN asks for
    its table's indexes on every statement, and a scan of every index of a 10,000-file stream's
    schema cost seconds. The table map is built on first use and kept up to date by assignment and
    deletion; a copy starts without it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_table: dict[str, dict[str, None]] | None = None

    def keys_of(self, table: str) -> list[str]:
        """The keys of the indexes on `table` (a key), in the order they were added."""
        if self._by_table is None:
            self._by_table = {}
            for index_key, index in self.items():
                self._by_table.setdefault(key(index.table), {})[index_key] = None
        return list(self._by_table.get(table, ()))

    def __setitem__(self, index_key: str, index: Index) -> None:
        self._forget(index_key)
        super().__setitem__(index_key, index)
        if self._by_table is not None:
            self._by_table.setdefault(key(index.table), {})[index_key] = None

    def __delitem__(self, index_key: str) -> None:
        self._forget(index_key)
        super().__delitem__(index_key)

    def pop(self, index_key: str, *default: Any) -> Any:
        self._forget(index_key)
        return super().pop(index_key, *default)

    def _forget(self, index_key: str) -> None:
        old = self.get(index_key)
        if old is not None and self._by_table is not None:
            self._by_table.get(key(old.table), {}).pop(index_key, None)

    def _undo(self) -> None:
        super()._undo()
        self._by_table = None  # made again on first use

    def _unsupported(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError("IndexMap changes by assignment, del and pop only")

    popitem = setdefault = update = clear = __ior__ = _unsupported


_MAP_FIELDS = ("tables", "indexes", "views", "triggers", "virtual_tables")


@dataclass(kw_only=True)
class Schema(ModelObject):
    """Every object of one database. Dictionaries are keyed by `key(name)`."""

    tables: dict[str, Table] = field(default_factory=ObjectMap)
    indexes: dict[str, Index] = field(default_factory=IndexMap)
    views: dict[str, View] = field(default_factory=ObjectMap)
    triggers: dict[str, Trigger] = field(default_factory=ObjectMap)
    virtual_tables: dict[str, VirtualTable] = field(default_factory=ObjectMap)

    def __post_init__(self) -> None:
        if not isinstance(self.indexes, IndexMap):
            self.indexes = IndexMap(self.indexes)

    def snapshot(self) -> Schema:
        """A copy that later changes to this schema leave alone (objects are immutable)."""
        return self._copy(as_recorded=False)

    def _copy(self, *, as_recorded: bool) -> Schema:
        """A copy of the maps as they are, or (`as_recorded`) as they were at `record_changes`."""
        maps: dict[str, ObjectMap[Any]] = {}
        for name in _MAP_FIELDS:
            objects = getattr(self, name)
            if as_recorded and isinstance(objects, ObjectMap) and objects._journal is not None:
                objects = objects._recorded_start()
            maps[name] = IndexMap(objects) if name == "indexes" else ObjectMap(objects)
        return Schema(**maps)

    # --- recorded changes: undone without a copy made before them --------------------------------

    def _maps(self) -> list[ObjectMap[Any]]:
        """The five maps as ObjectMaps (a plain dict assigned from outside is wrapped, once)."""
        maps: list[ObjectMap[Any]] = []
        for name in _MAP_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, ObjectMap):
                value = IndexMap(value) if name == "indexes" else ObjectMap(value)
                setattr(self, name, value)
            maps.append(value)
        return maps

    def record_changes(self) -> None:
        """Start recording the changes made to this schema's maps, to undo them (`undo_changes`)."""
        for objects in self._maps():
            objects._record()

    def undo_changes(self) -> None:
        """Undo the changes recorded since `record_changes`, in place; recording goes on."""
        for objects in self._maps():
            objects._undo()

    def before_changes(self) -> Schema:
        """A copy of this schema as it was at `record_changes` (this one is left as it is)."""
        return self._copy(as_recorded=True)

    def stop_recording(self) -> None:
        """Forget the recorded changes: they stay."""
        for objects in self._maps():
            objects._stop_recording()

    def table(self, name: str) -> Table | None:
        return self.tables.get(key(name))

    def indexes_of(self, table: str) -> list[Index]:
        wanted = key(table)
        if isinstance(self.indexes, IndexMap):
            found = [self.indexes[k] for k in self.indexes.keys_of(wanted)]
        else:  # a plain dict assigned from outside
            found = [i for i in self.indexes.values() if key(i.table) == wanted]
        return sorted(found, key=lambda i: key(i.name))

    def triggers_of(self, table: str) -> list[Trigger]:
        wanted = key(table)
        return sorted((t for t in self.triggers.values() if key(t.table) == wanted), key=lambda t: key(t.name))

    def object_kind(self, name: str) -> str | None:
        """What a name is in SQLite's one namespace of tables, views, indexes (and triggers apart)."""
        k = key(name)
        if k in self.tables:
            return "table"
        if k in self.virtual_tables:
            return "virtual table"
        if k in self.views:
            return "view"
        if k in self.indexes:
            return "index"
        return None

    @property
    def table_count(self) -> int:
        """Tables as D1 counts them: ordinary and virtual tables, no internal ones."""
        return len(self.tables) + len(self.virtual_tables)

    def referencing_foreign_keys(self, table: str) -> list[tuple[Table, ForeignKey]]:
        """(child table, foreign key) pairs whose key points at `table`."""
        wanted = key(table)
        found = []
        for child in self.tables.values():
            for fk in child.foreign_keys:
                if key(fk.ref_table) == wanted:
                    found.append((child, fk))
        return sorted(found, key=lambda pair: key(pair[0].name))
