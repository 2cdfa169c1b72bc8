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

Counts saturate at the caller's ``cap`` so that numbers stay small (a fan-out of
2 over 400 fragments would otherwise be a 400-bit integer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


@dataclass(frozen=True)
class Shape:
    """What one definition expands to (see the module docstring).

    Attributes:
        depth: deepest nesting below the definition's root selections (0 = flat).
        aliases: aliased fields, at most the cap.
        selections: fields, inline fragments and spreads, at most the cap.
    """

    depth: int
    aliases: int
    selections: int


@dataclass
class _Local:
    """One definition's own selections, with its spreads left unresolved."""

    depth: int = 0
    aliases: int = 0
    selections: int = 0
    spreads: list[tuple[str, int | None]] = field(default_factory=list)  # (fragment, level; None: not counted)


def _local(selection_set: SelectionSetNode) -> _Local:
    """Walk ``selection_set`` once (iteratively: nesting is bounded only by the token limit)."""
    local = _Local()
    stack: list[tuple[SelectionSetNode, int, bool]] = [(selection_set, 0, True)]
    while stack:
        current, level, counts_depth = stack.pop()
        for selection in current.selections:
            local.selections += 1
            if counts_depth:
                local.depth = max(local.depth, level)
            if isinstance(selection, FieldNode):
                if selection.alias:
                    local.aliases += 1
                if selection.selection_set:
                    nested = counts_depth and not selection.name.value.startswith("__")
                    stack.append((selection.selection_set, level + 1, nested))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, level, counts_depth))
            elif isinstance(selection, FragmentSpreadNode):
                local.spreads.append((selection.name.value, level if counts_depth else None))
    return local


def _combine(local: _Local, shapes: dict[str, Shape], cap: int) -> Shape:
    depth, aliases, selections = local.depth, local.aliases, local.selections
    for name, level in local.spreads:
        shape = shapes.get(name)
        if shape is None:  # unknown, or a back edge of a cycle
            continue
        if level is not None:
            depth = max(depth, level + shape.depth)
        aliases = min(cap, aliases + shape.aliases)
        selections = min(cap, selections + shape.selections)
    return Shape(depth, aliases, selections)


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


def operation_shapes(document: DocumentNode, cap: int) -> Iterable[tuple[OperationDefinitionNode, Shape]]:
    """Yield each operation of ``document`` with its :class:`Shape` (counts saturate at ``cap``).

    Cost: one walk of every definition plus one pass over the spread graph: linear in
    the document's length. Never raises on invalid documents (cycles, unknown fragments).
    """
    fragments = {d.name.value: _local(d.selection_set) for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    shapes = _fragment_shapes(fragments, cap)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            yield definition, _combine(_local(definition.selection_set), shapes, cap)
