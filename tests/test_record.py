"""_record.py's frozen records against what they stand in for, `@dataclass(frozen=True)`: the same class written
both ways is built, compared, hashed, shown and replaced alike, on generated values."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnparams._record import FrozenInstanceError, field, record, replace


@record
class Rec:
    name: str
    shape: tuple[int, ...]
    role: str = "weight"
    tags: list[str] = field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Dat:
    name: str
    shape: tuple[int, ...]
    role: str = "weight"
    tags: list[str] = dataclasses.field(default_factory=list)


@record
class Child(Rec):
    extra: int = 0


values = st.fixed_dictionaries({"name": st.text(max_size=5), "shape": st.tuples(st.integers(0, 9))},
                               optional={"role": st.text(max_size=5)})


def fields(obj: Any) -> tuple[Any, ...]:
    return (obj.name, obj.shape, obj.role, obj.tags)


@given(values, st.booleans())
def test_built_as_a_dataclass_is(given_values: dict[str, Any], positional: bool) -> None:
    if positional:
        args = [given_values["name"], given_values["shape"]] + ([given_values["role"]] if "role" in given_values
                                                                 else [])
        rec, dat = Rec(*args), Dat(*args)
    else:
        rec, dat = Rec(**given_values), Dat(**given_values)
    assert fields(rec) == fields(dat)
    assert repr(rec) == repr(dat).replace("Dat(", "Rec(")


@given(values, values)
def test_equal_and_hashed_as_a_dataclass_is(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert (Rec(**a) == Rec(**b)) == (Dat(**a) == Dat(**b))
    if Rec(**a) == Rec(**b):
        assert hash(replace(Rec(**a), tags=())) == hash(replace(Rec(**b), tags=()))


@given(values, st.text(max_size=5))
def test_replaced_as_a_dataclass_is(given_values: dict[str, Any], role: str) -> None:
    rec, dat = replace(Rec(**given_values), role=role), dataclasses.replace(Dat(**given_values), role=role)
    assert fields(rec) == fields(dat)
    assert replace(rec) == rec and replace(rec) is not rec


def test_a_factory_gives_each_record_its_own_value() -> None:
    a, b = Rec("a", ()), Rec("b", ())
    assert a.tags == [] and a.tags is not b.tags


def test_a_subclass_adds_its_fields_after_its_parents() -> None:
    """Its parent's defaults too, factories included (once taken off the parent class)."""
    child = Child("c", (1,), extra=3)
    assert (child.name, child.role, child.extra) == ("c", "weight", 3)
    assert replace(child, extra=4).extra == 4 and replace(child, extra=4).name == "c"


@pytest.mark.parametrize("make", [
    lambda: Rec("a"),  # a field without a default left out
    lambda: Rec("a", (), "r", [], "too many"),
    lambda: Rec("a", (), nme="x"),
    lambda: Rec("a", (), name="b"),
    lambda: replace(Rec("a", ()), nme="x"),
])
def test_wrong_arguments_are_refused_as_a_dataclass_refuses_them(make: Any) -> None:
    with pytest.raises(TypeError):
        make()


def test_a_record_is_frozen() -> None:
    rec = Rec("a", ())
    with pytest.raises(FrozenInstanceError):
        rec.name = "b"
    with pytest.raises(FrozenInstanceError):
        del rec.name
    assert isinstance(FrozenInstanceError("x"), AttributeError)
