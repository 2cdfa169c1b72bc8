"""Money amounts: ``Decimal`` values checked against ISO 4217 minor units.

The number of decimals a currency allows (its *exponent*, e.g. 2 for EUR, 0 for
JPY, 3 for BHD) comes from the ISO 4217 table as packaged by ``iso4217``.
Currencies without minor units in ISO 4217 (gold, test codes: exponent "N.A.")
are refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import iso4217

from core.errors import ValidationFailed

MAX_AMOUNT = Decimal("1000000000000")
"""The largest single amount (major units) a command may carry: 10^12."""


def currency_exponent(currency: str, field: str = "currency") -> int:
    """Return the ISO 4217 exponent (number of minor-unit decimals) of ``currency``.

    Args:
        currency: an upper-case ISO 4217 alphabetic code such as ``"EUR"``.
        field: the input field name reported on error.

    Raises:
        ValidationFailed: unknown code, or a code without minor units (``XAU``).
    """
    try:
        exponent = iso4217.Currency(currency).exponent
    except ValueError:
        raise ValidationFailed(field, f"{currency!r} is not an ISO 4217 currency code") from None
    if exponent is None:
        raise ValidationFailed(field, f"{currency} has no minor unit and cannot be held in an account")
    return int(exponent)


def parse_amount(
    value: Decimal | str,
    currency: str,
    *,
    field: str = "amount",
    allow_zero: bool = False,
) -> Decimal:
    """Validate a money amount and quantize it to the currency's minor units.

    Args:
        value: the amount in major units (``Decimal("10.5")`` or ``"10.5"``).
        currency: ISO 4217 code fixing the allowed number of decimals.
        field: input field name reported on error.
        allow_zero: accept 0 (for limits); amounts of money moved must be > 0.

    Returns:
        The amount with exactly the currency's number of decimals (``10.50``).

    Raises:
        ValidationFailed: not a number, NaN, Infinity, <= 0 (< 0 with
            ``allow_zero``), more decimals than the currency allows, or above
            :data:`MAX_AMOUNT`.
    """
    exponent = currency_exponent(currency)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(field, f"{value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise ValidationFailed(field, "must be a finite number")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(field, "must be greater than zero" if not allow_zero else "must not be negative")
    if amount > MAX_AMOUNT:
        raise ValidationFailed(field, f"must not exceed {MAX_AMOUNT}")
    quantum = Decimal(1).scaleb(-exponent)
    quantized = amount.quantize(quantum)
    if quantized != amount:
        raise ValidationFailed(field, f"{currency} allows at most {exponent} decimal places")
    return abs(quantized) if quantized == 0 else quantized  # "-0" is stored as "0.00"


def format_amount(amount: Decimal, currency: str) -> str:
    """Return ``amount`` as the JSON string stored in events (``"10.50"``)."""
    return str(amount.quantize(Decimal(1).scaleb(-currency_exponent(currency))))
