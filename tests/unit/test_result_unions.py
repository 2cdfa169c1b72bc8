"""``api.types.unions.member_of``: a value becomes a result-union member only if the union has its type."""

from __future__ import annotations

from typing import Annotated

import pytest
import strawberry

from api.types.unions import member_of, union_types


@strawberry.type
class Done:
    ok: bool


@strawberry.type
class Refused:
    reason: str


@strawberry.type
class Other:
    note: str


Result = Annotated[Done | Refused, strawberry.union("Result")]


def test_the_union_s_types_are_read_from_the_annotated_alias() -> None:
    assert union_types(Result) == (Done, Refused)
    assert union_types(Done | Refused) == (Done, Refused)
    assert union_types(Done) == (Done,)


def test_a_member_passes_through_unchanged() -> None:
    refused = Refused(reason="no")
    assert member_of(Result, refused) is refused


def test_a_value_of_another_type_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"Other is not a member of the result union \(Done, Refused\)"):
        member_of(Result, Other(note="x"))
