"""Every domain error has a GraphQL member: an unmapped one fails here, not as a masked 500."""

from __future__ import annotations

import pytest

from api.domains import graphql_modules
from api.types.errors import GENERIC_ERRORS, ErrorMembers
from core.domains import built_in_registry
from core.errors import AggregateNotFound, DomainError, InvariantViolated

BASES = (DomainError, InvariantViolated, AggregateNotFound)
"""Generic bases: raised only through a subclass that has a member."""


def _subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_declared_domain_error_has_a_member_of_its_own() -> None:
    members = ErrorMembers(m.errors for m in graphql_modules())

    unmapped = [e.__name__ for e in built_in_registry().errors() if e not in members]

    assert unmapped == []


def test_every_domain_error_in_the_code_is_declared_by_a_domain_or_generic() -> None:
    registry = built_in_registry()
    declared = set(registry.errors()) | set(registry.internal_errors()) | set(GENERIC_ERRORS) | set(BASES)

    stray = sorted(e.__qualname__ for e in _subclasses(DomainError) - declared
                   if e.__module__.startswith("core."))

    assert stray == [], "declare these in their domain's `errors` and map them in its GraphQL module"


def test_a_subclass_without_a_member_of_its_own_uses_its_nearest_mapped_base() -> None:
    from core.bank.errors import AccountNotFound

    class LegacyAccountNotFound(AccountNotFound):
        pass

    member = ErrorMembers(m.errors for m in graphql_modules()).member(LegacyAccountNotFound("x"))

    assert type(member).__name__ == "AccountNotFoundError"


def test_an_error_without_any_member_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="InvariantViolated"):
        ErrorMembers([]).member(InvariantViolated("no member"))


def test_two_tables_may_not_map_one_class() -> None:
    modules = graphql_modules()
    with pytest.raises(ValueError, match="two GraphQL members"):
        ErrorMembers([*(m.errors for m in modules), modules[0].errors])
