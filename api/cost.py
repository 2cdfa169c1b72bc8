"""What an operation may read, priced before it runs (issue 15, item 2).

Every root field of ``Query`` has a weight: roughly the events and rows its
resolver may read. A field's weight counts once per time it is resolved: once per
alias, once per fragment spread, and times the page size of every list around it
(:mod:`api.document_shape` does the multiplying, each fragment priced once). An
operation whose total exceeds ``CHRONICLE_MAX_QUERY_COST`` is refused before it
runs with ``QUERY_TOO_COSTLY`` (:func:`api.limits.shape_limits`).

Page sizes: a literal ``first`` counts as given (at most the page limit), a
variable as the page limit (its value is not known when the document is
validated and cached), none as the default page size.

Reads that fold events (``account(asOfVersion:/asOf:)``, ``accountHistory``)
start at the nearest snapshot at or below their bound (core.processor), so they
fold at most one snapshot interval of events, plus a snapshot read and a
version-bound read. With snapshots off a fold may read the whole stream; it is
then priced at :data:`FOLD_WITHOUT_SNAPSHOTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    IntValueNode,
    NullValueNode,
    OperationType,
    ValueNode,
    VariableNode,
    get_named_type,
)

from api.pagination import DEFAULT_PAGE_SIZE
from api.settings import Settings
from core.bank.account import ACCOUNT

FOLD_WITHOUT_SNAPSHOTS = 1000
"""The weight of a fold when the account's snapshot interval is 0 (snapshots off)."""


def _given(arguments: Mapping[str, ValueNode], *names: str) -> bool:
    return any(name in arguments and not isinstance(arguments[name], NullValueNode) for name in names)


Weight = Callable[["Pricing", Mapping[str, ValueNode], int], int]
"""A root field's weight from its arguments and its page size (1 for fields without ``first``)."""

QUERY_WEIGHTS: dict[str, Weight] = {
    "account": lambda p, args, _items: p.fold if _given(args, "asOfVersion", "asOf") else 1,
    "accountHistory": lambda p, _args, items: p.fold + items,
    "transactions": lambda _p, _args, items: items,
    "events": lambda _p, _args, items: items,
    "stream": lambda _p, _args, items: items,
    "accounts": lambda _p, _args, items: items,
    "customers": lambda _p, _args, items: items,
    "dailyTotals": lambda _p, _args, items: items,
    "customer": lambda _p, _args, _items: 1,
    "transfer": lambda _p, _args, _items: 1,
    "projections": lambda _p, _args, _items: 1,
    "eventProof": lambda _p, _args, _items: 1,  # one Merkle path: a few dozen nodes by index
    "logDigest": lambda _p, _args, _items: 1,
    "consistencyProof": lambda _p, _args, _items: 1,
}
"""Every root field of ``Query``, priced (tests/unit/test_cost.py checks that none is missing)."""

_ONE: Weight = lambda _p, _args, _items: 1  # noqa: E731 (a field added without a price reads one thing at least)


class Pricing:
    """:class:`api.document_shape.Pricing` for Chronicle's schema under ``settings``.

    Attributes:
        fold: the weight of one read that folds an account's events: a snapshot read,
            a version-bound read and at most one snapshot interval of events.
    """

    fold: int

    def __init__(self, schema: GraphQLSchema, settings: Settings) -> None:
        self._schema = schema
        self._max_page = settings.max_page_size
        interval = settings.snapshot_intervals.get(ACCOUNT.name, settings.snapshot_interval)
        self.fold = 2 + (interval if interval > 0 else FOLD_WITHOUT_SNAPSHOTS)

    def root_type(self, operation: OperationType) -> str | None:
        """See :meth:`api.document_shape.Pricing.root_type`."""
        root = self._schema.get_root_type(operation)
        return root.name if root else None

    def field(self, parent_type: str, node: FieldNode) -> tuple[int, int, str | None]:
        """See :meth:`api.document_shape.Pricing.field`; unknown fields weigh nothing
        (validation reports them)."""
        parent = self._schema.get_type(parent_type)
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0, 1, None
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0, 1, None
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        items = self._page(arguments.get("first")) if "first" in definition.args else 1
        weight = 0
        query = self._schema.query_type
        if query is not None and parent_type == query.name:
            weight = QUERY_WEIGHTS.get(node.name.value, _ONE)(self, arguments, items)
        return weight, items, get_named_type(definition.type).name

    def _page(self, first: ValueNode | None) -> int:
        if isinstance(first, IntValueNode):  # more than 9 digits is over any page limit (and refused)
            return max(1, min(int(first.value), self._max_page)) if len(first.value) <= 9 else self._max_page
        if isinstance(first, VariableNode):
            return self._max_page
        return min(DEFAULT_PAGE_SIZE, self._max_page)
