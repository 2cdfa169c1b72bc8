"""api.cost: what an operation may read, priced through aliases, spreads and pages."""

from __future__ import annotations

from graphql import parse

from api.cost import FOLD_WITHOUT_SNAPSHOTS, QUERY_WEIGHTS, Pricing
from api.document_shape import operation_shapes
from api.schema import build_schema
from api.settings import Settings

SETTINGS = Settings(snapshot_interval=20, max_page_size=100)
SCHEMA = build_schema(SETTINGS)._schema  # type: ignore[attr-defined]
ID = '"0193a0c4-0000-7000-8000-000000000001"'


def cost(document: str, settings: Settings = SETTINGS) -> int:
    pricing = Pricing(SCHEMA, settings)
    return sum(shape.cost for _, shape in operation_shapes(parse(document), 10**9, pricing))


def test_every_query_field_has_a_price() -> None:
    assert SCHEMA.query_type is not None
    assert set(QUERY_WEIGHTS) == set(SCHEMA.query_type.fields)


def test_temporal_reads_cost_a_fold_each_alias() -> None:
    fold = 2 + 20
    aliases = " ".join(f"a{n}: account(id: {ID}, asOfVersion: 5) {{ balance }}" for n in range(30))
    assert cost("{ " + aliases + " }") == 30 * fold
    assert cost(f"{{ account(id: {ID}) {{ balance }} }}") == 1
    assert cost(f"{{ account(id: {ID}, asOf: null) {{ balance }} }}") == 1
    no_snapshots = Settings(snapshot_interval=0, max_page_size=100)
    assert cost(f"{{ account(id: {ID}, asOf: \"2025-01-01T00:00:00Z\") {{ balance }} }}", no_snapshots) == \
        2 + FOLD_WITHOUT_SNAPSHOTS


def test_pages_count_as_given_or_at_their_limit() -> None:
    assert cost(f"{{ accountHistory(id: {ID}, first: 7) {{ edges {{ cursor }} }} }}") == 22 + 7
    assert cost(f"{{ accountHistory(id: {ID}) {{ edges {{ cursor }} }} }}") == 22 + 20
    assert cost("query ($n: Int) { events(first: $n) { edges { cursor } } }") == 100
    assert cost("{ events(first: 99999999999999) { edges { cursor } } }") == 100


def test_fragments_are_priced_once_and_counted_per_spread() -> None:
    document = (f"query {{ ...H ...H ... on Query {{ ...H }} }} "
                f"fragment H on Query {{ accountHistory(id: {ID}, first: 10) {{ edges {{ cursor }} }} }}")
    assert cost(document) == 3 * (22 + 10)
