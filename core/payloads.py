"""Typed event payloads: one frozen dataclass per event type, with one codec.

A payload class names its event ``TYPE`` and current ``SCHEMA_VERSION`` and
declares its fields in the order they are stored. :meth:`Payload.to_data` is
the only encoder (``Decimal`` as its string, fields marked :func:`omitted` left
out while at their default) and :meth:`Payload.from_data` the only decoder
(each field converted to its annotated type once). Stored documents keep their
exact shape, so old events load unchanged and the public ``data`` JSON is the
stored object (after upcasting), never a re-encoding.

The stores decode each event's payload once, when they record or read it
(:attr:`core.events.RecordedEvent.payload`); ``evolve``, projections and
history read typed fields through :func:`core.events.payload_as`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

P = TypeVar("P", bound="Payload")

_CONVERTERS: dict[object, Callable[[Any], Any]] = {
    str: str, int: int, bool: bool, Decimal: lambda value: Decimal(str(value)),
}


def omitted(default: Any = None) -> Any:
    """A field left out of the stored document while it equals ``default``
    (e.g. ``transfer_id`` on a plain deposit)."""
    return field(default=default, metadata={"omit_default": True})


_Shape = tuple[tuple[Field[Any], Callable[[Any], Any]], ...]
_SHAPES: dict[type, _Shape] = {}


def _shape(cls: type[Payload]) -> _Shape:
    """Each field of ``cls`` with the converter of its annotated type (computed once per class)."""
    known = _SHAPES.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls)
    shape = []
    for each in fields(cls):
        hint = hints[each.name]
        if isinstance(hint, types.UnionType):  # ``X | None``
            (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        shape.append((each, _CONVERTERS[hint]))
    _SHAPES[cls] = tuple(shape)
    return _SHAPES[cls]


@dataclass(frozen=True, slots=True)
class Payload:
    """Base of the typed payloads; subclasses are frozen dataclasses of str,
    int, bool and ``Decimal`` fields (each optionally ``| None``)."""

    TYPE: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 1

    def to_data(self) -> dict[str, Any]:
        """Return the stored JSON object of this payload (field order kept)."""
        data: dict[str, Any] = {}
        for each, _ in _shape(type(self)):
            value = getattr(self, each.name)
            if each.metadata.get("omit_default") and value == each.default:
                continue
            data[each.name] = str(value) if isinstance(value, Decimal) else value
        return data

    @classmethod
    def from_data(cls: type[P], data: Mapping[str, Any]) -> P:
        """Decode a stored (and upcast) JSON object; absent fields take their defaults.

        Raises:
            TypeError: a field without a default is absent.
            ValueError, decimal.InvalidOperation: a value does not convert.
        """
        values = {}
        for each, convert in _shape(cls):
            if each.name in data:
                value = data[each.name]
                values[each.name] = None if value is None else convert(value)
        return cls(**values)
