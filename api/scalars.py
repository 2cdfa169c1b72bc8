"""Custom scalars: ``Decimal`` as an exact JSON string (docs/architecture.md §6).

``NaN``, ``Infinity`` and anything that is not a plain ASCII decimal number
(JSON's number syntax, e.g. ``"10.25"``, ``"-3"``, ``"1e2"``) are refused at
the GraphQL layer with a ``BAD_USER_INPUT`` request error, before any resolver
runs. Integers and GraphQL number literals are accepted and kept exact (a
literal ``10.5`` is read from its source text, never through a float).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode

MAX_DECIMAL_TEXT = 64
"""Longest decimal text accepted (characters); longer input is refused."""

DECIMAL_SYNTAX = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|-?\.[0-9]+")
"""ASCII decimal syntax: JSON's number grammar (RFC 8259 §6) plus a bare leading point.
Python's ``Decimal`` alone would also take ``10_000``, full-width digits,
surrounding blanks and ``+5``; those are refused."""


def parse_decimal(value: Any) -> Decimal:
    """Parse a JSON string, integer or number into a finite ``Decimal``.

    Raises:
        ValueError: NaN, Infinity, booleans, other types, or not a number.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("Decimal must be a string such as \"10.25\"")
    text = repr(value) if isinstance(value, float) else str(value)
    if len(text) > MAX_DECIMAL_TEXT:
        raise ValueError(f"Decimal must be at most {MAX_DECIMAL_TEXT} characters")
    if not DECIMAL_SYNTAX.fullmatch(text):
        if text.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise ValueError("Decimal must be finite (NaN and Infinity are refused)")
        raise ValueError(f"{text[:MAX_DECIMAL_TEXT]!r} is not a decimal number such as \"10.25\"")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError("Decimal must be finite (NaN and Infinity are refused)")
    return number


def parse_decimal_literal(node: ValueNode, _variables: Any = None) -> Decimal:
    """Parse a ``Decimal`` written inline in a document."""
    if isinstance(node, (StringValueNode, IntValueNode, FloatValueNode)):
        return parse_decimal(node.value)
    raise ValueError("Decimal must be a string or number literal")


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number carried as a JSON string, e.g. "100.25".',
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)
