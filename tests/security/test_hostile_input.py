"""Item 6: random and hostile values thrown at every mutation of the real server.

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
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import codes, token
from tests.support.server import RunningServer

RAW = "\u0000raw:"
"""Marks a string to be written into the JSON body as a bare token (e.g. ``1e999999``)."""

SELECTION = ("{ __typename ... on AccountSuccess { account { id balance overdraftLimit } events { position } }"
             " ... on Error { code message } }")
MUTATIONS = {
    "openAccount": ("OpenAccountInput", ["owner", "currency", "overdraftLimit", "idempotencyKey"]),
    "deposit": ("DepositInput", ["accountId", "amount", "expectedVersion", "idempotencyKey"]),
    "withdraw": ("WithdrawInput", ["accountId", "amount", "expectedVersion", "idempotencyKey"]),
    "closeAccount": ("CloseAccountInput", ["accountId", "expectedVersion", "idempotencyKey"]),
}
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


def plausible(field: str, accounts: list[str]) -> st.SearchStrategy[Any]:
    if field == "accountId":
        return st.sampled_from(accounts)
    if field in ("amount", "overdraftLimit"):
        return st.one_of(
            st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000000000001"), places=2,
                        allow_nan=False, allow_infinity=False).map(str),
            st.sampled_from(NUMBER_TEXTS + RAW_NUMBERS),
            EXTREME_EXPONENTS,
            EXTREME_EXPONENTS,
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
        )
    if field == "currency":
        return st.sampled_from(["EUR", "JPY", "BHD", "USD"])
    if field == "expectedVersion":
        return st.integers(min_value=-3, max_value=2**31)
    if field == "idempotencyKey":
        return st.text(min_size=1, max_size=20)
    return st.text(max_size=30)


@st.composite
def requests(draw: st.DrawFn, accounts: list[str]) -> tuple[str, str, dict[str, Any] | None]:
    name = draw(st.sampled_from(sorted(MUTATIONS)))
    input_type, fields = MUTATIONS[name]
    value: dict[str, Any] = {}
    for field in fields:
        choice = draw(st.sampled_from(["plausible", "plausible", "plausible", "hostile", "omit"]))
        if choice == "plausible":
            value[field] = draw(plausible(field, accounts))
        elif choice == "hostile":
            value[field] = draw(hostile())
    if draw(st.integers(0, 9)) == 0:
        value[draw(st.sampled_from(["unknown", "balance", "__typename", "accountID"]))] = draw(scalar())
    if draw(st.booleans()):  # as variables
        document = f"mutation($input: {input_type}!) {{ {name}(input: $input) {SELECTION} }}"
        return name, document, {"input": value}
    literal = ", ".join(f"{k}: {graphql_literal(v)}" for k, v in value.items())
    return name, f"mutation {{ {name}(input: {{{literal}}}) {SELECTION} }}", None


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
    return "{" + ", ".join(f"k{i}: {graphql_literal(v)}" for i, v in enumerate(value.values())) + "}"


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


@pytest.fixture(scope="module")
def accounts(client: httpx.Client) -> list[str]:
    ids = []
    for currency, overdraft in (("EUR", "50"), ("JPY", "0"), ("BHD", "0.125")):
        document = (f'mutation {{ openAccount(input: {{owner: "fuzz", currency: "{currency}",'
                    f' overdraftLimit: "{overdraft}"}}) {SELECTION} }}')
        body = client.post("/graphql", content=json_body(document, None)).json()
        ids.append(body["data"]["openAccount"]["account"]["id"])
    return [*ids, "not-a-uuid", "00000000-0000-0000-0000-000000000000", " " + ids[0] + " ", ids[0].upper()]


def test_hostile_mutations_never_fail_internally(client: httpx.Client, accounts: list[str]) -> None:
    seen_positions: set[int] = set()

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(request=requests(accounts))
    def throw(request: tuple[str, str, dict[str, Any] | None]) -> None:
        name, document, variables = request
        response = client.post("/graphql", content=json_body(document, variables))
        assert response.status_code < 500, response.text[:2000]
        body = response.json()
        assert "INTERNAL_SERVER_ERROR" not in codes(body), (document[:500], variables, body)
        result = (body.get("data") or {}).get(name)
        if result and result["__typename"] == "AccountSuccess":
            seen_positions.update(e["position"] for e in result["events"])

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
