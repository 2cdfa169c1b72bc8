"""Runs an account command for a mutation and shapes its result.

Expected domain outcomes become members of the mutation's result union; the
idempotency key is checked here (at most 200 characters), everything else is
decided by the account aggregate.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from api.context import Info
from api.types.account import Account, AccountSuccess
from api.types.errors import Error, to_graphql_error
from api.types.event import Event
from core.bank.account import ACCOUNT
from core.errors import AccountNotFound, DomainError, ValidationFailed
from core.processor import CommandOutcome

MAX_IDEMPOTENCY_KEY_LENGTH = 200
ACCOUNT_ID_NAMESPACE = UUID("0b8f3f0e-3c55-4c5e-9d3c-0c7d1f7a9a10")


def parse_account_id(raw: str) -> str:
    """Return the canonical form of an account id (a UUID).

    Raises:
        AccountNotFound: ``raw`` is not a UUID, so no account can have it.
    """
    try:
        return str(UUID(raw.strip()))
    except (ValueError, AttributeError):
        raise AccountNotFound(raw[:64]) from None


def account_id_for(idempotency_key: str) -> str:
    """Return the account id an ``openAccount`` with this idempotency key always gets."""
    return str(uuid5(ACCOUNT_ID_NAMESPACE, idempotency_key))


def check_idempotency_key(key: str | None) -> str | None:
    """Return the key unchanged, or raise when it is blank or too long.

    Raises:
        ValidationFailed: blank, or longer than 200 characters.
    """
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValidationFailed("idempotencyKey", f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters, not all blank")
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
    runtime = info.context.runtime
    try:
        outcome = await _execute(info, account_id, command, expected_version, idempotency_key)
    except DomainError as error:
        runtime.metrics.command(command, error.code)
        return to_graphql_error(error)
    except Exception:
        runtime.metrics.command(command, "error")
        raise
    runtime.metrics.command(command, "replayed" if outcome.replayed else "success")
    return AccountSuccess(
        account=Account.from_state(outcome.state),
        events=[Event.from_recorded(e) for e in outcome.events],
        replayed=outcome.replayed,
    )


async def _execute(info: Info, account_id: str, command: object, expected_version: int | None,
                   idempotency_key: str | None) -> CommandOutcome[Any]:
    if expected_version is not None and expected_version < 0:
        raise ValidationFailed("expectedVersion", "must be >= 0")
    return await info.context.runtime.processor.execute(
        ACCOUNT,
        ACCOUNT.stream_id(account_id),
        command,
        context=info.context.command_context(),
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )
