"""Runs a command for a mutation and shapes its result.

Expected domain outcomes become members of the mutation's result union; the
idempotency key is checked here (at most 200 characters), everything else is
decided by the aggregate.
"""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID, uuid5

from uuid6 import uuid7

from api.context import Info
from api.types.account import Account, AccountSuccess
from api.types.errors import Error, to_graphql_error
from api.types.event import Event
from core.aggregate import AggregateType
from core.bank.account import ACCOUNT
from core.bank.errors import AccountNotFound
from core.errors import DomainError, ValidationFailed
from core.processor import CommandOutcome, scoped_idempotency_key
from core.text import is_plain_text

S = TypeVar("S")

MAX_IDEMPOTENCY_KEY_LENGTH = 200
ACCOUNT_ID_NAMESPACE = UUID("0b8f3f0e-3c55-4c5e-9d3c-0c7d1f7a9a10")


def parse_account_id(raw: str, field: str = "accountId") -> str:
    """Return the canonical form of an account id (a UUID).

    Raises:
        AccountNotFound: ``raw`` is not a UUID, so no account can have it
            (naming ``field``, the input that held it).
    """
    try:
        return str(UUID(raw.strip()))
    except (ValueError, AttributeError):
        raise AccountNotFound(raw[:64], field) from None


def account_id_for(idempotency_key: str, scope: str | None) -> str:
    """Return the account id an ``openAccount`` with this idempotency key always gets
    from the caller ``scope`` (:func:`core.processor.scoped_idempotency_key`)."""
    return entity_id_for(ACCOUNT_ID_NAMESPACE, idempotency_key, scope)


def entity_id_for(namespace: UUID, idempotency_key: str | None, scope: str | None) -> str:
    """Return a fresh UUIDv7, or with an idempotency key the UUIDv5 it always maps to
    within the caller ``scope``, so a retried creation addresses the same stream and
    another caller's equal key another one."""
    if not idempotency_key:
        return str(uuid7())
    return str(uuid5(namespace, scoped_idempotency_key(idempotency_key, scope)))


def parse_entity_id(raw: str) -> str | None:
    """Return the canonical form of a UUID id, or ``None`` when ``raw`` is not one."""
    try:
        return str(UUID(raw.strip()))
    except (ValueError, AttributeError):
        return None


def check_idempotency_key(key: str | None) -> str | None:
    """Return the key unchanged, or raise when it is blank or too long.

    Raises:
        ValidationFailed: blank, longer than 200 characters, or not printable
            text (:func:`core.text.is_plain_text`).
    """
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValidationFailed("idempotencyKey", f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters, not all blank")
    if not is_plain_text(key):
        raise ValidationFailed("idempotencyKey", "must not contain control, format or line-separator characters")
    return key


async def run_account_command(
    info: Info,
    account_id: str,
    command: object,
    *,
    expected_version: int | None,
    idempotency_key: str | None,
) -> AccountSuccess | Error:
    """Execute ``command`` on ``account-<account_id>`` and return the union member.

    Domain errors become union members; anything else propagates (and is
    masked as INTERNAL_SERVER_ERROR by :mod:`api.errors`).
    """
    outcome = await run_command(info, ACCOUNT, account_id, command, expected_version=expected_version,
                                idempotency_key=idempotency_key)
    if isinstance(outcome, Error):
        return outcome
    return AccountSuccess(
        account=Account.from_state(outcome.state),
        events=[Event.from_recorded(e) for e in outcome.events],
        replayed=outcome.replayed,
    )


async def run_command(
    info: Info,
    aggregate: AggregateType[S],
    entity_id: str,
    command: object,
    *,
    expected_version: int | None,
    idempotency_key: str | None,
) -> CommandOutcome[S] | Error:
    """Execute ``command`` on ``<aggregate>-<entity_id>``, counting it in the metrics;
    a domain error becomes its union member."""
    runtime = info.context.runtime
    try:
        if expected_version is not None and expected_version < 0:
            raise ValidationFailed("expectedVersion", "must be >= 0")
        outcome = await runtime.processor.execute(
            aggregate,
            aggregate.stream_id(entity_id),
            command,
            context=info.context.command_context(),
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            idempotency_scope=info.context.actor,
        )
    except DomainError as error:
        runtime.metrics.command(command, error.code)
        return to_graphql_error(info, error)
    except Exception:
        runtime.metrics.command(command, "error")
        raise
    runtime.metrics.command(command, "replayed" if outcome.replayed else "success")
    return outcome
