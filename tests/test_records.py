"""records: ==, hash() and repr() as the dataclass would generate them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from grove_schema.records import FrozenRecord, Record


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


def test_a_record_is_never_equal_to_another_class_and_a_mutable_one_is_not_hashable() -> None:
    assert RecordPoint(1) != GeneratedPoint(1) and RecordPoint(1) != (1, "", "", "")
    assert RecordBox([1]) == RecordBox([1]) and RecordBox([1]) != RecordBox([2])
    assert repr(RecordBox([1])) == repr(GeneratedBox([1])).replace("GeneratedBox", "RecordBox")
    with pytest.raises(TypeError):
        hash(RecordBox())
