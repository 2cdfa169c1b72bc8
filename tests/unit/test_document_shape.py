"""api.document_shape: depth, aliases and selections, each fragment measured once."""

from __future__ import annotations

import time

from graphql import parse

from api.document_shape import Shape, operation_shapes

CAP = 10**9


def shapes(document: str, cap: int = CAP) -> dict[str, Shape]:
    return {(op.name.value if op.name else ""): shape for op, shape in operation_shapes(parse(document), cap)}


def test_depth_counts_nesting_as_graphql_depth_limit_does() -> None:
    assert shapes("{ a }")[""].depth == 0
    assert shapes("{ a { b { c } } }")[""].depth == 2
    assert shapes("query Q { ...A } fragment A on Query { a { ... on T { b { ...B } } } } "
                  "fragment B on T { c { d } }")["Q"].depth == 3


def test_introspection_fields_add_no_depth() -> None:
    assert shapes("{ __schema { types { fields { type { ofType { name } } } } } }")[""].depth == 0


def test_aliases_and_selections_count_a_fragment_once_per_spread() -> None:
    shape = shapes("query Q { ...A ...A x: y } fragment A on Query { a: b c { d } }")["Q"]
    assert shape.aliases == 1 + 2 * 1
    assert shape.selections == 3 + 2 * 3  # ...A ...A x / a c d


def test_fan_out_is_exact_and_measured_in_linear_time() -> None:
    levels, spreads = 10, 30  # 30^9 selections once expanded
    document = "query Q { ...F0 } " + " ".join(
        f"fragment F{i} on Q {{ " + f"...F{i + 1} " * spreads + "}" for i in range(levels - 1)
    ) + f" fragment F{levels - 1} on Q {{ a: x }}"
    started = time.perf_counter()
    shape = shapes(document, cap=10**30)["Q"]
    assert time.perf_counter() - started < 0.05
    assert shape.aliases == spreads ** (levels - 1)
    assert shape.selections == 1 + sum(spreads ** level for level in range(1, levels)) + spreads ** (levels - 1)


def test_counts_saturate_at_the_cap() -> None:
    document = "query Q { ...A ...A ...A } fragment A on Q { a: x b: x c: x }"
    assert shapes(document, cap=5)["Q"] == Shape(depth=0, aliases=5, selections=5)


def test_cycles_and_unknown_fragments_do_not_loop() -> None:
    shape = shapes("query Q { ...A ...Missing } fragment A on Q { ...B x } fragment B on Q { ...A ...B y { z } }")["Q"]
    assert shape == Shape(depth=1, aliases=0, selections=2 + 2 + 4)


def test_deep_nesting_needs_no_recursion() -> None:
    nesting = 5000  # a chain of fragments: graphql-core's parser caps only the nesting of one definition
    chain = "query Q { ...F0 } " + " ".join(f"fragment F{i} on Q {{ a {{ ...F{i + 1} }} }}" for i in range(nesting)) \
        + f" fragment F{nesting} on Q {{ b }}"
    assert shapes(chain)["Q"].depth == nesting
