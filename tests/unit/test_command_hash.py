"""``command_hash``: equal commands hash equally, different ones do not, hostile decimals never raise."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.bank.commands import CloseAccount, DepositMoney, OpenAccount, WithdrawMoney
from core.commands import canonical_decimal, command_hash

STREAM = "account-1"


@pytest.mark.parametrize(("a", "b"), [
    ("10", "10.00"),
    ("10.5", "10.50"),
    ("100", "1E+2"),
    ("0.1", "0.100"),
])
def test_numerically_equal_amounts_hash_equally(a: str, b: str) -> None:
    assert command_hash(STREAM, DepositMoney("1", Decimal(a))) == command_hash(STREAM, DepositMoney("1", Decimal(b)))


def test_the_digest_is_sha256_hex() -> None:
    digest = command_hash(STREAM, CloseAccount("1"))
    assert len(digest) == 64
    assert int(digest, 16) >= 0


@pytest.mark.parametrize(("first", "second"), [
    (DepositMoney("1", Decimal("10")), DepositMoney("1", Decimal("10.01"))),
    (DepositMoney("1", Decimal("10")), WithdrawMoney("1", Decimal("10"))),
    (DepositMoney("1", Decimal("10")), DepositMoney("2", Decimal("10"))),
    (OpenAccount("1", "Ada", "EUR"), OpenAccount("1", "Ada", "JPY")),
    (OpenAccount("1", "Ada", "EUR"), OpenAccount("1", "Ada", "EUR", Decimal(5))),
])
def test_different_commands_hash_differently(first: object, second: object) -> None:
    assert command_hash(STREAM, first) != command_hash(STREAM, second)


def test_the_stream_is_part_of_the_digest() -> None:
    command = CloseAccount("1")
    assert command_hash("account-1", command) != command_hash("account-2", command)


@pytest.mark.parametrize("command", [object(), {"amount": 1}, DepositMoney])
def test_only_dataclass_instances_are_commands(command: object) -> None:
    with pytest.raises(TypeError):
        command_hash(STREAM, command)


# Found by the hostile-input property test: huge exponents used to overflow Decimal.normalize().
@pytest.mark.parametrize(("a", "b"), [("10.5", "10.50"), ("10", "1E+1"), ("0.00", "0"),
                                      ("1E+999999999999", "10E+999999999998")])
def test_equal_values_equal_text(a: str, b: str) -> None:
    assert canonical_decimal(Decimal(a)) == canonical_decimal(Decimal(b))


@pytest.mark.parametrize("text", ["1E+999999999999", "1E+1000000", "1e-999999999999", "9" * 60, "0E+1000000000"])
def test_hostile_decimals_hash_without_raising(text: str) -> None:
    assert len(command_hash("account-1", DepositMoney("1", Decimal(text)))) == 64


def test_digits_beyond_the_default_precision_are_not_rounded_together() -> None:
    a, b = Decimal("1234567890123456789012345678901"), Decimal("1234567890123456789012345678902")
    assert command_hash("s", DepositMoney("1", a)) != command_hash("s", DepositMoney("1", b))
