"""The tallies domain's GraphQL module: ``tally(id)`` and ``countVisits``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.domains import GraphQLModule
from api.mutations.run import check_idempotency_key, parse_entity_id, run_command
from api.permissions import CanReadAccounts, CanRunCommands
from api.types.errors import (
    ConcurrencyConflictError,
    Error,
    IdempotencyKeyReusedError,
    ValidationFailedError,
    to_graphql_error,
)
from api.types.event import Event
from core.errors import DomainError, ValidationFailed
from tests.tallies.domain import TALLIES, TALLIES_COLLECTION, TALLY, CountVisits, TallyFull


@strawberry.type
class Tally:
    id: strawberry.ID
    total: int
    version: int


@strawberry.type
class TallySuccess:
    tally: Tally
    events: list[Event]
    replayed: bool


@strawberry.type(name="TallyFull")
class TallyFullError(Error):
    tally_id: strawberry.ID
    total: int


@strawberry.input
class CountVisitsInput:
    tally_id: strawberry.ID
    visits: int
    expected_version: int | None = None
    idempotency_key: str | None = None


CountVisitsResult = Annotated[
    TallySuccess | ValidationFailedError | TallyFullError | ConcurrencyConflictError | IdempotencyKeyReusedError,
    strawberry.union("CountVisitsResult"),
]


async def tally(info: Info, id: strawberry.ID) -> Tally | None:
    """The tally's read model, ``null`` when it was never counted."""
    tally_id = parse_entity_id(str(id))
    document = await info.context.runtime.views.get(TALLIES_COLLECTION, tally_id) if tally_id else None
    if document is None:
        return None
    return Tally(id=strawberry.ID(document["id"]), total=document["total"], version=document["version"])


async def count_visits(info: Info, input: CountVisitsInput) -> CountVisitsResult:
    """Count visits on a tally (started by its first count)."""
    try:
        tally_id = parse_entity_id(str(input.tally_id))
        if tally_id is None:
            raise ValidationFailed("tallyId", "must be a UUID")
        key = check_idempotency_key(input.idempotency_key)
    except DomainError as error:
        return to_graphql_error(info, error)  # type: ignore[return-value]
    outcome = await run_command(info, TALLY, tally_id, CountVisits(tally_id, input.visits),
                                expected_version=input.expected_version, idempotency_key=key)
    if isinstance(outcome, Error):
        return outcome  # type: ignore[return-value]
    return TallySuccess(tally=Tally(id=strawberry.ID(tally_id), total=outcome.state.total,  # type: ignore[return-value]
                                    version=outcome.state.version),
                        events=[Event.from_recorded(e) for e in outcome.events], replayed=outcome.replayed)


@strawberry.type
class TallyQuery:
    tally = strawberry.field(resolver=tally, permission_classes=[CanReadAccounts])


@strawberry.type
class TallyMutation:
    count_visits: CountVisitsResult = strawberry.mutation(resolver=count_visits, permission_classes=[CanRunCommands])


MODULE = GraphQLModule(
    domain=TALLIES, query=TallyQuery, mutation=TallyMutation,
    errors={TallyFull: lambda e: TallyFullError(code=e.code, message=str(e), tally_id=strawberry.ID(e.tally_id),
                                                total=e.total)},
)
