"""What travels with every command: who sent it and why (docs/architecture.md §2, §4)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, is_dataclass
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from typing import Any

from uuid6 import uuid7


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Per-request facts stamped on the events a command records.

    Attributes:
        correlation_id: groups every message of one user interaction.
        actor: the authenticated subject issuing the command, if any.
        causation_id: id of the event that caused this command (process
            managers); ``None`` means the command itself is the cause.
    """

    correlation_id: str = field(default_factory=lambda: str(uuid7()))
    actor: str | None = None
    causation_id: str | None = None


def canonical_decimal(value: Decimal) -> str:
    """Return one text for all equal decimals (``10.5`` / ``10.50``, ``10`` / ``1E+1``), exactly.

    Unlike ``Decimal.normalize()`` under the default context, this never rounds
    (more than 28 digits) and never raises on huge exponents (``1E+999999999999``
    from a client): the digits are kept as they are and the exponent range is
    the widest the ``decimal`` module has; beyond even that, the sign, digits
    and exponent are written out directly.
    """
    if not value.is_finite():
        return str(value)
    digits = len(value.as_tuple().digits)
    try:
        return str(value.normalize(Context(prec=max(digits, 1), Emax=MAX_EMAX, Emin=MIN_EMIN)))
    except ArithmeticError:
        sign, coefficient, exponent = value.as_tuple()
        text = "".join(map(str, coefficient)).rstrip("0") or "0"
        assert isinstance(exponent, int)
        exponent += len(coefficient) - len(text) if text != "0" else 0
        return f"{'-' if sign else ''}{text}E{exponent:+d}"


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return canonical_decimal(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def command_hash(stream_id: str, command: object) -> str:
    """Return a SHA-256 hex digest identifying ``command`` on ``stream_id``.

    Equal commands (same type, same field values, ``Decimal('10')`` equal to
    ``Decimal('10.00')``) give equal digests; ``None`` fields are left out, so
    adding an optional field to a command keeps the digests of old commands.
    Used to detect idempotency keys reused with a different command.

    Raises:
        TypeError: ``command`` is not a dataclass instance.
    """
    if not is_dataclass(command) or isinstance(command, type):
        raise TypeError("commands must be dataclass instances")
    fields = {name: value for name, value in asdict(command).items() if value is not None}
    payload = {"type": type(command).__name__, "stream": stream_id, "fields": _canonical(fields)}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()
