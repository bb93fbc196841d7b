"""records: ==, hash() and repr() as the dataclass would generate them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from grove_schema.records import FrozenRecord, Record, frozen_record


@dataclass(frozen=True)
class GeneratedPoint:
    x: int
    label: str = ""
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@dataclass(frozen=True, eq=False, repr=False)
class RecordPoint(FrozenRecord):
    x: int
    label: str = ""
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@frozen_record()
class InternalPoint(FrozenRecord):
    x: int
    label: str = ""
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)


@frozen_record(kw_only=True)
class InternalOptions(FrozenRecord):
    depth: int = 1
    names: list[str] = field(default_factory=list)


@dataclass
class GeneratedBox:
    items: list[int] = field(default_factory=list)


@dataclass(eq=False, repr=False)
class RecordBox(Record):
    items: list[int] = field(default_factory=list)


VALUES = [(1, "a", "n", "s"), (1, "a", "other note", "s"), (1, "b", "n", "s"), (2, "a", "n", "t"), (1, "a", "n", "t")]


@pytest.mark.parametrize("left", VALUES)
@pytest.mark.parametrize("right", VALUES)
def test_a_frozen_record_compares_and_hashes_as_the_dataclass(
    left: tuple[object, ...], right: tuple[object, ...]
) -> None:
    generated = (GeneratedPoint(*left), GeneratedPoint(*right))  # type: ignore[arg-type]
    recorded = (RecordPoint(*left), RecordPoint(*right))  # type: ignore[arg-type]
    assert (recorded[0] == recorded[1]) == (generated[0] == generated[1])
    assert (hash(recorded[0]) == hash(recorded[1])) == (hash(generated[0]) == hash(generated[1]))
    assert repr(recorded[0]).replace("RecordPoint", "GeneratedPoint") == repr(generated[0])
    internal = (InternalPoint(*left), InternalPoint(*right))  # type: ignore[arg-type]
    assert (internal[0] == internal[1]) == (generated[0] == generated[1])
    assert (hash(internal[0]) == hash(internal[1])) == (hash(generated[0]) == hash(generated[1]))
    assert repr(internal[0]).replace("InternalPoint", "GeneratedPoint") == repr(generated[0])


def test_an_internal_record_is_a_dataclass_with_keyword_only_fields_and_defaults() -> None:
    options = InternalOptions(depth=2)
    assert options.names == [] and options.names is not InternalOptions().names  # a factory per object
    assert dataclasses.replace(options, depth=3) == InternalOptions(depth=3)
    assert [f.name for f in dataclasses.fields(InternalOptions)] == ["depth", "names"]
    with pytest.raises(TypeError):
        InternalOptions(2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="inherits FrozenRecord"):
        frozen_record()(type("Loose", (), {"__annotations__": {"x": "int"}}))


def test_a_record_is_never_equal_to_another_class_and_a_mutable_one_is_not_hashable() -> None:
    assert RecordPoint(1) != GeneratedPoint(1) and RecordPoint(1) != (1, "", "", "")
    assert RecordBox([1]) == RecordBox([1]) and RecordBox([1]) != RecordBox([2])
    assert repr(RecordBox([1])) == repr(GeneratedBox([1])).replace("GeneratedBox", "RecordBox")
    with pytest.raises(TypeError):
        hash(RecordBox())
