"""Item 6: random and hostile values thrown at every mutation of the real server.

The mutations, their arguments and input fields and their result types are read
from the schema (:func:`api.schema.build_schema`), so a new mutation is fuzzed
(and reported as its own test) without editing this file; an ``ID`` field with
no pool of plausible ids below fails the test until one is added.

Hypothesis builds each mutation's input from plausible values mixed with
hostile ones (huge and negative numbers, NaN, ``1e999999`` as a raw JSON number,
unicode digits, control characters, nulls, wrong types, unknown fields, 100 kB
strings), sends it as variables or as inline literals, and checks:

- no response is a 5xx or carries ``INTERNAL_SERVER_ERROR`` (bad input is the
  client's fault, so it must be named as such);
- afterwards, no balance is below minus its overdraft limit, each successful
  response's events are in the log, and positions are gap-free.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import graphql as gql_core
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schema import build_schema
from tests.security.conftest import codes, token
from tests.support.server import RunningServer

RAW = "\u0000raw:"
"""Marks a string to be written into the JSON body as a bare token (e.g. ``1e999999``)."""

SCHEMA = gql_core.build_schema(build_schema().as_str())
"""The public schema, as clients see it."""


@dataclass(frozen=True)
class Mutation:
    """One mutation as the schema declares it: its arguments and what to select of its result."""

    name: str
    arguments: dict[str, gql_core.GraphQLArgument]
    selection: str


def selection(result: gql_core.GraphQLOutputType) -> str:
    """``__typename``, an ``Error``'s code and message, and the positions of any events the result carries."""
    named = gql_core.get_named_type(result)
    members = named.types if isinstance(named, gql_core.GraphQLUnionType) else [named]
    parts = ["__typename"]
    if isinstance(named, gql_core.GraphQLUnionType):
        parts.append("... on Error { code message }")
    parts += [f"... on {member.name} {{ events {{ position }} }}" for member in members
              if isinstance(member, gql_core.GraphQLObjectType) and "events" in member.fields]
    return "{ " + " ".join(parts) + " }"


def schema_mutations() -> dict[str, Mutation]:
    assert SCHEMA.mutation_type is not None
    return {name: Mutation(name, dict(field.args), selection(field.type))
            for name, field in SCHEMA.mutation_type.fields.items()}


MUTATIONS = schema_mutations()
NUMBER_TEXTS = ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", "-1e999999", "1e-999999",
                "1E+999999999999", "0E-1000000", "-0", "0", "0.00", "0.001", "1.005", "10", "10.5", "  7 ",
                "1000000000000", "1000000000000.01", "999999999999.99", "-5", "1_000", "0x10", "١٢٣",
                "\U0001d7cf\U0001d7d0", "12\u00a0", "1e2", "1E+2", ".5", "5.", "+5", "--5", "", " ", "9" * 64, "9" * 65,
                "0." + "0" * 60 + "1", "4.2e1", "12345678901234567890123456789.5"]
EXTREME_EXPONENTS = st.builds(lambda sign, digits, exp: f"{sign}{digits}E{exp:+d}", st.sampled_from(["", "-"]),
                              st.integers(0, 10**6), st.integers(-(10**15), 10**15))
"""Decimal texts with exponents far outside any context's range (``7E+999999999999``)."""
RAW_NUMBERS = [RAW + t for t in ("1e999999", "-1e999999", "1e-999999", "123456789012345678901234567890",
                                 "1.0000000000000000000000000001", "-0", "1E400", "0.1e-400")]
HOSTILE_TEXT = ["", " ", "\u0000", "\ud7ff\ue000", "🏦💸", "Robert'); DROP TABLE events;--", "${jndi:x}",
                "<script>", "EUR\u0000", "eur", "EURO", "XAU", "XTS", "XXX", "BHD", "JPY", "\u202eRUE",
                "00000000-0000-0000-0000-000000000000", "x" * 100_000, "a" * 201, "a" * 200]


def scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(NUMBER_TEXTS + RAW_NUMBERS + HOSTILE_TEXT),
        st.text(max_size=40),
        st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    )


def hostile() -> st.SearchStrategy[Any]:
    return st.one_of(scalar(), st.lists(scalar(), max_size=3),
                     st.dictionaries(st.text(max_size=5), scalar(), max_size=3))


MONEY = st.one_of(
    st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000000000001"), places=2,
                allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(NUMBER_TEXTS + RAW_NUMBERS),
    EXTREME_EXPONENTS,
    EXTREME_EXPONENTS,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
IDS_FROM_POOL = {"accountId": "accounts", "fromAccountId": "accounts", "toAccountId": "accounts",
                 "customerId": "customers"}
"""``ID`` fields and the pool of existing ids (plus near misses) their plausible values come from."""
BY_NAME: dict[str, st.SearchStrategy[Any]] = {
    "amount": MONEY,
    "overdraftLimit": MONEY,
    "currency": st.sampled_from(["EUR", "JPY", "BHD", "USD"]),
    "expectedVersion": st.integers(min_value=-3, max_value=2**31),
    "idempotencyKey": st.text(min_size=1, max_size=20),
    "email": st.one_of(st.emails().map(str), st.sampled_from(["ada@example.com", "ADA@Example.COM", "a@b", "@",
                                                              "x@" + "y" * 300 + ".com"])),
    "phone": st.sampled_from(["+44 20 7946 0958", "+1 202-555-0143", "020 7946 0958", "+999", "12", "+" + "9" * 40]),
}
"""Plausible values for fields (and arguments) by name; the rest follow their GraphQL type."""
BY_TYPE: dict[str, st.SearchStrategy[Any]] = {
    "String": st.text(max_size=30),
    "Int": st.integers(min_value=-(2**31), max_value=2**31 - 1),
    "Boolean": st.booleans(),
    "Decimal": MONEY,
}


def plausible(owner: str, field: str, type_: gql_core.GraphQLInputType,
              pools: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """A plausible value for ``owner.field`` of GraphQL type ``type_``.

    Raises:
        AssertionError: an ``ID`` field with no pool, or a type with no strategy (say which to add).
    """
    if field in IDS_FROM_POOL:
        return st.sampled_from(pools[IDS_FROM_POOL[field]])
    if (owner, field) == ("rebuildProjection", "name"):
        return st.sampled_from(pools["projections"])
    if field in BY_NAME:
        return BY_NAME[field]
    named = gql_core.get_named_type(type_)
    if isinstance(named, gql_core.GraphQLEnumType):
        return st.sampled_from(sorted(named.values))
    if isinstance(named, gql_core.GraphQLInputObjectType):
        return input_object(named, pools)
    assert named.name != "ID", f"{owner}.{field}: an ID with no pool of existing ids; add it to IDS_FROM_POOL"
    assert named.name in BY_TYPE, f"{owner}.{field}: no plausible {named.name}; add a strategy to BY_NAME or BY_TYPE"
    return BY_TYPE[named.name]


def input_object(type_: gql_core.GraphQLInputObjectType, pools: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """Each field plausible, hostile or left out; now and then a field the type does not have."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for name, field in type_.fields.items():
            choice = draw(st.sampled_from(["plausible", "plausible", "plausible", "hostile", "omit"]))
            if choice == "plausible":
                value[name] = draw(plausible(type_.name, name, field.type, pools))
            elif choice == "hostile":
                value[name] = draw(hostile())
        if draw(st.integers(0, 9)) == 0:
            value[draw(st.sampled_from(["unknown", "balance", "__typename", "accountID"]))] = draw(scalar())
        return value

    return build()


@st.composite
def requests(draw: st.DrawFn, mutation: Mutation, pools: dict[str, list[str]]) -> tuple[str, dict[str, Any] | None]:
    """A document calling ``mutation`` and its variables (``None`` when the arguments are inline literals)."""
    values = {name: draw(plausible(mutation.name, name, argument.type, pools) if draw(st.integers(0, 9))
                         else hostile())
              for name, argument in mutation.arguments.items()}
    if draw(st.booleans()):  # as variables
        declared = ", ".join(f"${name}: {argument.type}" for name, argument in mutation.arguments.items())
        passed = ", ".join(f"{name}: ${name}" for name in mutation.arguments)
        return f"mutation({declared}) {{ {mutation.name}({passed}) {mutation.selection} }}", values
    literal = ", ".join(f"{name}: {graphql_literal(value)}" for name, value in values.items())
    return f"mutation {{ {mutation.name}({literal}) {mutation.selection} }}", None


NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
"""A GraphQL name: an object key that is one stays a field name in a literal."""


def graphql_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else "NaN"
    if isinstance(value, str):
        return value[len(RAW):] if value.startswith(RAW) else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(graphql_literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{k if NAME.fullmatch(k) else f'k{i}'}: {graphql_literal(v)}"
                           for i, (k, v) in enumerate(value.items())) + "}"


def json_body(document: str, variables: dict[str, Any] | None) -> bytes:
    text = json.dumps({"query": document, "variables": variables})  # NaN/Infinity become bare tokens
    for raw in RAW_NUMBERS:
        text = text.replace(json.dumps(raw), raw[len(RAW):])
    return text.encode()


@pytest.fixture(scope="module")
def client(secured: RunningServer) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {token(sub='fuzzer', roles=['admin'])}",
               "content-type": "application/json"}
    with httpx.Client(base_url=secured.base_url, headers=headers, timeout=30) as session:
        yield session


def _created(client: httpx.Client, mutation: str, arguments: str, success: str, entity: str) -> str:
    """Run ``mutation`` with the inline input ``arguments``; return the id of the ``entity`` it created."""
    document = f"mutation {{ {mutation}(input: {{{arguments}}}) {{ ... on {success} {{ {entity} {{ id }} }} }} }}"
    body = client.post("/graphql", content=json_body(document, None)).json()
    return str(body["data"][mutation][entity]["id"])


@pytest.fixture(scope="module")
def pools(client: httpx.Client) -> dict[str, list[str]]:
    """Existing ids to aim at (plus near misses), and the projections' names."""
    accounts = [_created(client, "openAccount", f'owner: "fuzz", currency: "{currency}", overdraftLimit: "{limit}"',
                         "AccountSuccess", "account")
                for currency, limit in (("EUR", "50"), ("JPY", "0"), ("BHD", "0.125"))]
    customers = [_created(client, "registerCustomer", f'name: "Fuzz {n}", email: "fuzz{n}@example.com",'
                          ' phone: "+44 20 7946 0958"', "CustomerSuccess", "customer")
                 for n in range(2)]
    projections = client.post("/graphql", json={"query": "{ projections { name } }"}).json()["data"]["projections"]
    misses = ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]
    return {"accounts": [*accounts, *misses, " " + accounts[0] + " ", accounts[0].upper()],
            "customers": [*customers, *misses, customers[0].upper()],
            "projections": [p["name"] for p in projections] + ["no_such_projection", ""]}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_hostile_input_never_fails_internally(client: httpx.Client, pools: dict[str, list[str]], name: str) -> None:
    mutation = MUTATIONS[name]
    seen_positions: set[int] = set()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(request=requests(mutation, pools))
    def throw(request: tuple[str, dict[str, Any] | None]) -> None:
        document, variables = request
        response = client.post("/graphql", content=json_body(document, variables))
        assert response.status_code < 500, response.text[:2000]
        body = response.json()
        assert "INTERNAL_SERVER_ERROR" not in codes(body), (document[:500], variables, body)
        result = (body.get("data") or {}).get(name) or {}
        seen_positions.update(e["position"] for e in result.get("events", []))

    throw()
    check_invariants(client, seen_positions)


def check_invariants(client: httpx.Client, seen_positions: set[int]) -> None:
    positions, after = [], None
    while True:
        page = client.post("/graphql", json={"query": "query($after: String) { events(first: 100, after: $after) {"
                                              " edges { node { position } } pageInfo { hasNextPage endCursor } } }",
                                     "variables": {"after": after}}).json()["data"]["events"]
        positions += [e["node"]["position"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert positions == list(range(1, len(positions) + 1)), "positions must be gap-free"
    assert seen_positions <= set(positions)
    after = None
    while True:
        page = client.post("/graphql", json={"query": "query($after: String) { accounts(first: 100, after: $after) {"
                                              " edges { node { id balance overdraftLimit } }"
                                              " pageInfo { hasNextPage endCursor } } }",
                                     "variables": {"after": after}}).json()["data"]["accounts"]
        for edge in page["edges"]:
            node = edge["node"]
            assert Decimal(node["balance"]) >= -Decimal(node["overdraftLimit"]), node
            assert Decimal(node["overdraftLimit"]) >= 0, node
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
