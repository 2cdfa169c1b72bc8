"""The ``Error`` interface, the generic union members, and the error-member table.

Each member carries a stable ``code`` (docs/architecture.md §6) and typed fields, so
clients branch on ``__typename`` or ``code`` and never parse messages. The
members of the generic errors (:mod:`core.errors`) are here; each domain's
GraphQL module brings the members of its own errors and a table mapping its
error classes to them (:class:`api.domains.GraphQLModule`). The tables are
composed into :class:`ErrorMembers`; an error is translated by the entry of the
most specific class in its MRO, so a subclass with its own member wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import strawberry

from core.errors import ConcurrencyError, DomainError, IdempotencyKeyReused, ValidationFailed

if TYPE_CHECKING:
    from api.context import Info


@strawberry.interface(description="An expected outcome that refused a command; nothing was appended.")
class Error:
    code: str
    message: str


@strawberry.type(name="ValidationFailed")
class ValidationFailedError(Error):
    field: str = strawberry.field(description="The input field at fault (GraphQL spelling).")


@strawberry.type(name="ConcurrencyConflict")
class ConcurrencyConflictError(Error):
    expected_version: int | None
    actual_version: int


@strawberry.type(name="IdempotencyKeyReused")
class IdempotencyKeyReusedError(Error):
    idempotency_key: str


ErrorTable = Mapping[type[DomainError], Callable[[Any], Error]]
"""Domain error class -> builds its GraphQL member from an instance (``code`` and
``message`` come from the error itself)."""

GENERIC_ERRORS: ErrorTable = {
    ValidationFailed: lambda e: ValidationFailedError(code=e.code, message=str(e), field=e.field),
    ConcurrencyError: lambda e: ConcurrencyConflictError(
        code=e.code, message=str(e), actual_version=e.actual_version,
        expected_version=e.expected_version if isinstance(e.expected_version, int) else None),
    IdempotencyKeyReused: lambda e: IdempotencyKeyReusedError(code=e.code, message=str(e),
                                                              idempotency_key=e.idempotency_key),
}
"""Members of the generic errors every command may raise."""


class ErrorMembers:
    """The composed error tables of the generic errors and every registered domain.

    Raises:
        ValueError: (on construction) two tables map the same error class.
    """

    def __init__(self, tables: Iterable[ErrorTable]) -> None:
        self._table: dict[type[DomainError], Callable[[Any], Error]] = {}
        for table in (GENERIC_ERRORS, *tables):
            for error_class, member in table.items():
                if error_class in self._table:
                    raise ValueError(f"{error_class.__name__} has two GraphQL members")
                self._table[error_class] = member

    def __contains__(self, error_class: type[DomainError]) -> bool:
        return error_class in self._table

    def member(self, error: DomainError) -> Error:
        """Return the GraphQL member of ``error`` (its most specific mapped class).

        Raises:
            TypeError: no class in the error's MRO is mapped (a programming error;
                ``tests/api/test_error_members.py`` catches it for declared errors).
        """
        for cls in type(error).__mro__:
            build = self._table.get(cls)
            if build is not None:
                return build(error)
        raise TypeError(f"no GraphQL member for {type(error).__name__}")


def to_graphql_error(info: Info, error: DomainError) -> Error:
    """Translate a domain error into its GraphQL union member (the runtime's :class:`ErrorMembers`).

    Raises:
        TypeError: the error has no GraphQL member (a programming error).
    """
    return info.context.runtime.errors.member(error)
