"""Who may do what: strawberry permission classes over the caller's roles.

- ``teller``: run every mutation but ``rebuildProjection`` and read the
  account, customer and transfer read models (``account`` with its temporal
  arguments, ``accountHistory``, ``customers``, ``transfer``, ...);
- ``auditor``: read everything, including the event log (``events``,
  ``stream``, ``projections``, the Merkle digests and proofs ``logDigest``,
  ``eventProof``, ``consistencyProof``, and every subscription), but change nothing;
- ``admin``: everything, including ``rebuildProjection``.

A caller without (valid) credentials gets a top-level error with
``extensions.code = UNAUTHENTICATED``; an authenticated caller without the
role gets ``FORBIDDEN`` (Apollo Server's documented codes).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from api.auth import ADMIN, AUDITOR, TELLER
from api.context import Info


def unauthenticated(reason: str) -> GraphQLError:
    """Return the top-level error for missing or invalid credentials."""
    return GraphQLError(f"Unauthenticated: {reason}", extensions={"code": "UNAUTHENTICATED"})


def forbidden(action: str, roles: frozenset[str]) -> GraphQLError:
    """Return the top-level error for a caller lacking every role in ``roles``."""
    needed = " or ".join(sorted(roles))
    return GraphQLError(f"Forbidden: {action} needs the role {needed}", extensions={"code": "FORBIDDEN"})


class RolePermission(BasePermission):
    """Grants the field to callers holding one of ``roles`` (``admin`` holds all)."""

    roles: frozenset[str] = frozenset({ADMIN})
    action = "this field"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        principal = context.principal
        if principal is None:
            raise unauthenticated(context.auth_error or "authentication required")
        if not principal.has_any(self.roles):
            raise forbidden(self.action, self.roles)
        return True


class CanReadAccounts(RolePermission):
    roles = frozenset({TELLER, AUDITOR})
    action = "reading accounts"


class CanReadLog(RolePermission):
    roles = frozenset({AUDITOR})
    action = "reading the event log"


class CanRunCommands(RolePermission):
    roles = frozenset({TELLER})
    action = "running commands"


class CanAdminister(RolePermission):
    roles = frozenset({ADMIN})
    action = "administering projections"
