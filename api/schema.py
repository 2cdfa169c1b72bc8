"""Assembles the GraphQL schema (docs/architecture.md §6): the domains' GraphQL modules plus the log's root fields."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig

from api.domains import GraphQLModule, graphql_modules
from api.errors import ErrorCodes
from api.executor import executor_class
from api.limits import SafeParserCache, limit_extensions
from api.mutations.rebuild_projection import ProjectionRebuilt, rebuild_projection
from api.permissions import CanAdminister, CanReadLog
from api.queries import events as event_queries
from api.queries import merkle as merkle_queries
from api.scalars import DecimalScalar
from api.settings import Settings
from api.subscriptions import events as event_subscriptions
from api.types import errors as error_types
from api.validation import Validation, cached_validator

log = logging.getLogger("chronicle.api")


class ChronicleSchema(strawberry.Schema):
    """Logs request errors at DEBUG only: internal faults are logged by :mod:`api.errors` with
    their correlation id, and a client's bad query is not a server error."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            log.debug("graphql error: %s", error.message)


@strawberry.type
class LogQuery:
    """Root fields of the log itself (every domain's events) and of the projections."""

    events = strawberry.field(resolver=event_queries.events, permission_classes=[CanReadLog])
    stream = strawberry.field(resolver=event_queries.stream, permission_classes=[CanReadLog])
    projections = strawberry.field(resolver=event_queries.projections, permission_classes=[CanReadLog])
    log_digest = strawberry.field(resolver=merkle_queries.log_digest, permission_classes=[CanReadLog],
                                  description="The signed tree head of the log's Merkle tree (auditor, admin).")
    event_proof = strawberry.field(resolver=merkle_queries.event_proof, permission_classes=[CanReadLog],
                                   description="RFC 9162 inclusion proof of one event (auditor, admin).")
    consistency_proof = strawberry.field(resolver=merkle_queries.consistency_proof, permission_classes=[CanReadLog],
                                         description="RFC 9162 consistency proof between two tree sizes "
                                                     "(auditor, admin).")


@strawberry.type
class LogMutation:
    rebuild_projection: ProjectionRebuilt = strawberry.mutation(
        resolver=rebuild_projection, permission_classes=[CanAdminister],
        description="Admin only: replay the log into one projection (its name as in `projections`).")


@strawberry.type
class LogSubscription:
    events = strawberry.subscription(resolver=event_subscriptions.events, permission_classes=[CanReadLog])


def _root(name: str, parts: Sequence[type | None]) -> type:
    """Return the root type ``name`` with the fields of ``parts``, in that order.

    Raises:
        ValueError: two parts declare the same field.
    """
    present = [part for part in parts if part is not None]
    seen: dict[str, str] = {}
    for part in present:
        for field in part.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            if field.name in seen:
                raise ValueError(f"{name}.{field.name} is declared by {seen[field.name]} and {part.__name__}")
            seen[field.name] = part.__name__
    return strawberry.type(type(name, tuple(present), {}))


def build_schema(settings: Settings | None = None, modules: Sequence[GraphQLModule] | None = None) -> strawberry.Schema:
    """Return the Chronicle schema with its scalars, error handling and ``settings``' limits.

    Args:
        settings: limits and switches (from the environment by default).
        modules: the domains' GraphQL modules (by default
            :func:`api.domains.graphql_modules` of ``settings.domains``). Their
            root fields come first, in module order, then the log's; the log's
            ``events`` subscription leads ``Subscription``.

    Raises:
        ValueError: two modules declare the same root field.
    """
    settings = settings or Settings()
    hide_suggestions = not settings.field_suggestions
    validator = cached_validator(512, hide_suggestions=hide_suggestions)
    if modules is None:
        modules = graphql_modules(settings.domains)
    return ChronicleSchema(
        query=_root("Query", [*(m.query for m in modules), LogQuery]),
        mutation=_root("Mutation", [*(m.mutation for m in modules), LogMutation]),
        subscription=_root("Subscription", [LogSubscription, *(m.subscription for m in modules)]),
        types=[error_types.Error, *(t for m in modules for t in m.types)],
        scalar_overrides={Decimal: DecimalScalar},
        config=StrawberryConfig(disable_field_suggestions=hide_suggestions),
        execution_context_class=executor_class(hide_suggestions=hide_suggestions),
        # limits before ErrorCodes, so a limit's code is set before errors are classified
        extensions=[*limit_extensions(settings), ErrorCodes, lambda: SafeParserCache(maxsize=512),
                    lambda: Validation(validator)],
    )
