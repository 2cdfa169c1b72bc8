"""Custom scalars: ``Decimal`` as an exact JSON string (docs/architecture.md §6).

A ``Decimal`` is written in plain decimal digits: an optional ``-``, digits,
and an optional fraction (``"10.25"``, ``"-3"``, ``".5"``). Everything else is
refused at the GraphQL layer with a ``BAD_USER_INPUT`` request error whose
message quotes the input once, before any resolver runs:

- ``NaN`` and ``Infinity``;
- exponent forms (``"1e3"``, ``"1E+2"``): many readers take ``1e3`` for a
  typo or an identifier, so an accepted amount must show its digits; the
  message spells out the plain form to send instead (``"1000"``);
- ``10_000``, ``+5``, ``1.``, surrounding blanks and non-ASCII digits, which
  Python's ``Decimal`` would otherwise take.

Integers and GraphQL number literals are accepted and kept exact (a literal
``10.5`` is read from its source text, never through a float).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import strawberry
from graphql import FloatValueNode, GraphQLError, IntValueNode, StringValueNode, ValueNode

MAX_DECIMAL_TEXT = 64
"""Longest decimal text accepted (characters); longer input is refused."""

DECIMAL_SYNTAX = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|-?\.[0-9]+")
"""Plain ASCII decimal syntax: JSON's number grammar (RFC 8259 §6) without its
exponent, plus a bare leading point."""

EXPONENT_SYNTAX = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")
"""A number in exponent form, recognised only to say why it is refused."""

MAX_SPELLED_EXPONENT = 30
"""The refusal of ``"1e3"`` suggests its plain digits only up to this exponent size."""


def decimal_refused(reason: str) -> GraphQLError:
    """Return the request error for a refused ``Decimal``: ``reason`` as the whole message.

    Raised as a ``GraphQLError`` so that graphql-core reports the message as it
    is, instead of quoting it inside its own "encountered error '…'" sentence.
    """
    return GraphQLError(reason, extensions={"code": "BAD_USER_INPUT"})


def _quoted(text: str) -> str:
    """``text`` as a JSON string (double quotes, control and non-ASCII characters escaped)."""
    return json.dumps(text[:MAX_DECIMAL_TEXT])


def _exponent_refusal(text: str) -> GraphQLError:
    number = Decimal(text)
    if abs(number.adjusted()) <= MAX_SPELLED_EXPONENT and number.is_finite():
        plain = format(number, "f")
        return decimal_refused(f"Decimal must be written without an exponent: send {_quoted(plain)} "
                               f"instead of {_quoted(text)}")
    return decimal_refused(f"Decimal must be written without an exponent: {_quoted(text)} is refused")


def parse_decimal(value: Any) -> Decimal:
    """Parse a JSON string, integer or number into a finite ``Decimal``.

    Args:
        value: a JSON string such as ``"10.25"``, an integer, or a JSON number
            (a float: read from its shortest ``repr``).

    Raises:
        GraphQLError: ``BAD_USER_INPUT``: booleans or other types, more than
            :data:`MAX_DECIMAL_TEXT` characters, NaN or Infinity, an exponent
            form, or any text that is not a plain decimal number.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise decimal_refused('Decimal must be a string such as "10.25"')
    text = repr(value) if isinstance(value, float) else str(value)
    if len(text) > MAX_DECIMAL_TEXT:
        raise decimal_refused(f"Decimal must be at most {MAX_DECIMAL_TEXT} characters")
    if DECIMAL_SYNTAX.fullmatch(text):
        return Decimal(text)
    if text.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
        raise decimal_refused("Decimal must be finite (NaN and Infinity are refused)")
    if EXPONENT_SYNTAX.fullmatch(text):
        raise _exponent_refusal(text)
    raise decimal_refused(f'{_quoted(text)} is not a decimal number; write one like "10.25"')


def parse_decimal_literal(node: ValueNode, _variables: Any = None) -> Decimal:
    """Parse a ``Decimal`` written inline in a document (see :func:`parse_decimal`)."""
    if isinstance(node, (StringValueNode, IntValueNode, FloatValueNode)):
        try:
            return parse_decimal(node.value)
        except GraphQLError as error:
            raise GraphQLError(error.message, node, extensions=error.extensions) from None
    raise GraphQLError('Decimal must be a string such as "10.25" or a number', node,
                       extensions={"code": "BAD_USER_INPUT"})


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number carried as a JSON string, e.g. "100.25"; no exponent forms.',
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)
