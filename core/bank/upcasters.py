"""Upcasters of the bank's event payloads (STYLE.md §3: ``upcast_<type>_v<n>_to_v<n+1>``).

Stored events are never rewritten; the registry applies these at read time on
every path (streams, the global log, subscriptions, projection replay).
"""

from __future__ import annotations

from typing import Any


def upcast_money_deposited_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """``MoneyDeposited`` v2 adds an optional ``reference`` (``None`` for v1 events)."""
    return {**data, "reference": None}


def upcast_money_withdrawn_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """``MoneyWithdrawn`` v2 adds an optional ``reference`` (``None`` for v1 events)."""
    return {**data, "reference": None}
