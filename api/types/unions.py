"""Narrowing a value to a mutation's result union, checked at run time.

A mutation returns a member of its result union (``OpenAccountResult`` and
the like: ``Annotated[AccountSuccess | ValidationFailedError | …,
strawberry.union(...)]``), but the shared paths that build members are typed
more broadly (``AccountSuccess | Error``: the error table maps any domain error
to its member). :func:`member_of` turns the broad value into the union the
resolver declares, after checking that it is one of the union's types, so
mypy --strict holds without ``type: ignore`` and a member the union does not
offer fails here, by name, instead of deep inside strawberry.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Annotated, TypeVar, Union, cast, get_args, get_origin

if TYPE_CHECKING:
    from typing_extensions import TypeForm

T = TypeVar("T")


def union_types(union: object) -> tuple[type, ...]:
    """The member types of ``union`` (an ``Annotated`` union alias, a bare union, or one type)."""
    if get_origin(union) is Annotated:
        union = get_args(union)[0]
    if get_origin(union) in (Union, types.UnionType):
        return tuple(get_args(union))
    if isinstance(union, type):
        return (union,)
    raise TypeError(f"{union!r} is not a union of types")


def member_of(union: TypeForm[T], value: object) -> T:
    """Return ``value`` as a member of ``union``.

    Raises:
        TypeError: ``value`` is an instance of none of ``union``'s types (a
            programming error: e.g. a domain error the mutation's union lacks).
    """
    members = union_types(union)
    if not isinstance(value, members):
        names = ", ".join(member.__name__ for member in members)
        raise TypeError(f"{type(value).__name__} is not a member of the result union ({names})")
    return cast("T", value)
