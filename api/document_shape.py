"""The shape of a GraphQL document: depth, aliases and size, each fragment measured once.

A naive measure re-walks a fragment at every spread, so six fragments that each
spread the next one 20 times cost 20^5 walks (issue 15, item 1). Here every
definition (operation or fragment) is walked once, iteratively, into a
:class:`_Local` summary that names the fragments it spreads; fragments are then
combined bottom-up in one depth-first pass over the spread graph, so the cost is
linear in the document's length whatever the fan-out. Cycles (which graphql-core's
``NoFragmentCyclesRule`` reports) and unknown fragments (``KnownFragmentNamesRule``)
contribute nothing here, so measuring never loops.

Measures, with fragments counted as if spread in place (which is what an
executor or a naive validator would walk):

- depth: the deepest selection's nesting, root selections at 0, as
  graphql-depth-limit and strawberry's ``QueryDepthLimiter`` count it
  (``{ a { b } }`` has depth 1); selections inside introspection fields
  (``__schema``, ``__type``) are not counted, as there.
- aliases: aliased fields.
- selections: fields, inline fragments and fragment spreads: the node visits
  an expansion of the operation performs.
- cost (with a :class:`Pricing`): each field's weight times the items of the
  lists above it (``accounts(first: 50) { edges { node { ... } } }`` resolves
  its selections 50 times); :mod:`api.cost` prices Chronicle's fields.

Counts saturate at the caller's ``cap`` so that numbers stay small (a fan-out of
2 over 400 fragments would otherwise be a 400-bit integer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)


class Pricing(Protocol):
    """What the cost measure needs to know of the schema (see :mod:`api.cost`)."""

    def root_type(self, operation: OperationType) -> str | None:
        """The name of the operation type's root type."""
        ...

    def field(self, parent_type: str, node: FieldNode) -> tuple[int, int, str | None]:
        """Return ``(weight, items, type)`` of field ``node`` on ``parent_type``: its own
        cost, how many times its selections are resolved (a page's size for a list),
        and the name of the type its selections apply to (``None``: unknown)."""
        ...


@dataclass(frozen=True)
class Shape:
    """What one definition expands to (see the module docstring).

    Attributes:
        depth: deepest nesting below the definition's root selections (0 = flat).
        aliases: aliased fields, at most the cap.
        selections: fields, inline fragments and spreads, at most the cap.
        cost: the sum of the fields' weights, each multiplied by the items of the
            lists it sits in (0 without a :class:`Pricing`), at most the cap.
    """

    depth: int
    aliases: int
    selections: int
    cost: int = 0


@dataclass
class _Local:
    """One definition's own selections, with its spreads left unresolved."""

    depth: int = 0
    aliases: int = 0
    selections: int = 0
    cost: int = 0
    # (fragment, level or None when its depth is not counted, items the spread's selections resolve for)
    spreads: list[tuple[str, int | None, int]] = field(default_factory=list)


def _local(selection_set: SelectionSetNode, root_type: str | None, pricing: Pricing | None, cap: int) -> _Local:
    """Walk ``selection_set`` once (iteratively: nesting is bounded only by the token limit)."""
    local = _Local()
    stack: list[tuple[SelectionSetNode, int, bool, str | None, int]] = [(selection_set, 0, True, root_type, 1)]
    while stack:
        current, level, counts_depth, parent, items = stack.pop()
        for selection in current.selections:
            local.selections += 1
            if counts_depth:
                local.depth = max(local.depth, level)
            if isinstance(selection, FieldNode):
                if selection.alias:
                    local.aliases += 1
                weight, each, child = (0, 1, None) if pricing is None or parent is None \
                    else pricing.field(parent, selection)
                local.cost = min(cap, local.cost + items * weight)
                if selection.selection_set:
                    nested = counts_depth and not selection.name.value.startswith("__")
                    stack.append((selection.selection_set, level + 1, nested, child, min(cap, items * each)))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else parent
                stack.append((selection.selection_set, level, counts_depth, condition, items))
            elif isinstance(selection, FragmentSpreadNode):
                local.spreads.append((selection.name.value, level if counts_depth else None, items))
    return local


def _combine(local: _Local, shapes: dict[str, Shape], cap: int) -> Shape:
    depth, aliases, selections, cost = local.depth, local.aliases, local.selections, local.cost
    for name, level, items in local.spreads:
        shape = shapes.get(name)
        if shape is None:  # unknown, or a back edge of a cycle
            continue
        if level is not None:
            depth = max(depth, level + shape.depth)
        aliases = min(cap, aliases + shape.aliases)
        selections = min(cap, selections + shape.selections)
        cost = min(cap, cost + items * shape.cost)
    return Shape(depth, aliases, selections, cost)


def _fragment_shapes(fragments: dict[str, _Local], cap: int) -> dict[str, Shape]:
    """Resolve every fragment in post-order over the spread graph (iterative depth-first)."""
    shapes: dict[str, Shape] = {}
    in_progress: set[str] = set()
    for root in fragments:
        if root in shapes:
            continue
        names, positions = [root], [0]  # the depth-first path and, per fragment, the next spread to follow
        in_progress.add(root)
        while names:
            name = names[-1]
            spreads = fragments[name].spreads
            position = positions[-1]
            while position < len(spreads) and (spreads[position][0] not in fragments
                                               or spreads[position][0] in shapes
                                               or spreads[position][0] in in_progress):
                position += 1
            if position < len(spreads):
                child = spreads[position][0]
                positions[-1] = position + 1
                names.append(child)
                positions.append(0)
                in_progress.add(child)
            else:
                shapes[name] = _combine(fragments[name], shapes, cap)
                in_progress.discard(name)
                names.pop()
                positions.pop()
    return shapes


def operation_shapes(document: DocumentNode, cap: int,
                     pricing: Pricing | None = None) -> Iterable[tuple[OperationDefinitionNode, Shape]]:
    """Yield each operation of ``document`` with its :class:`Shape` (counts saturate at ``cap``;
    with ``pricing``, the shape's ``cost`` too).

    Cost: one walk of every definition plus one pass over the spread graph: linear in
    the document's length. Never raises on invalid documents (cycles, unknown fragments).
    """
    fragments = {d.name.value: _local(d.selection_set, d.type_condition.name.value, pricing, cap)
                 for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    shapes = _fragment_shapes(fragments, cap)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = pricing.root_type(definition.operation) if pricing else None
            yield definition, _combine(_local(definition.selection_set, root, pricing, cap), shapes, cap)
