"""Malformed requests are top-level errors with ``extensions.code = BAD_USER_INPUT``."""

from __future__ import annotations

import httpx
import pytest

from api.settings import Settings
from tests.api.client import TIMEOUT, Api, error_codes, mutation_document
from tests.support.server import RunningServer

MAX_PAGE_SIZE = Settings().max_page_size  # the server reads the same environment


@pytest.mark.parametrize("amount", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "ten", "1e", "", "1" * 65,
                                    "10_000", "\uff11\uff10", " 10 ", "+5", "1.", "0x10"])
async def test_non_finite_or_garbage_decimal_variable_is_bad_user_input(api: Api, amount: str) -> None:
    account = await api.opened()
    errors = await api.errors(mutation_document("deposit"), input={"accountId": account["id"], "amount": amount})
    assert error_codes(errors) == ["BAD_USER_INPUT"]
    assert (await api.account(account["id"]))["version"] == 1


@pytest.mark.parametrize("literal", ['"NaN"', '"Infinity"', '"garbage"', "true"])
async def test_non_finite_or_garbage_decimal_literal_is_bad_user_input(api: Api, literal: str) -> None:
    account = await api.opened()
    document = (f'mutation {{ deposit(input: {{accountId: "{account["id"]}", amount: {literal}}}) '
                f"{{ __typename }} }}")
    assert error_codes(await api.errors(document)) == ["BAD_USER_INPUT"]


DECIMAL_REFUSALS = [
    ("1e3", 'Decimal must be written without an exponent: send "1000" instead of "1e3"'),
    ("2.5E-2", 'Decimal must be written without an exponent: send "0.025" instead of "2.5E-2"'),
    ("-1E+2", 'Decimal must be written without an exponent: send "-100" instead of "-1E+2"'),
    ("1E+999999999999", 'Decimal must be written without an exponent: "1E+999999999999" is refused'),
    ("ten", '"ten" is not a decimal number; write one like "10.25"'),
    ("1'000", '"1\'000" is not a decimal number; write one like "10.25"'),
    ('1"5', '"1\\"5" is not a decimal number; write one like "10.25"'),
    ("\uff11\uff10", '"\\uff11\\uff10" is not a decimal number; write one like "10.25"'),
    ("NaN", "Decimal must be finite (NaN and Infinity are refused)"),
    ("9" * 65, "Decimal must be at most 64 characters"),
]
"""A refused ``Decimal`` and the exact sentence the client reads: the input quoted once, as JSON."""


@pytest.mark.parametrize(("amount", "reason"), DECIMAL_REFUSALS)
async def test_a_refused_decimal_variable_reads_as_one_sentence(api: Api, amount: str, reason: str) -> None:
    account = await api.opened()

    errors = await api.errors(mutation_document("deposit"), input={"accountId": account["id"], "amount": amount})

    assert error_codes(errors) == ["BAD_USER_INPUT"]
    assert errors[0]["message"] == f"Variable '$input' has invalid value at .amount: {reason}"
    assert (await api.account(account["id"]))["version"] == 1


@pytest.mark.parametrize(("literal", "reason"), [
    ('"1e3"', DECIMAL_REFUSALS[0][1]), ("1e3", DECIMAL_REFUSALS[0][1]), ("2.5E-2", DECIMAL_REFUSALS[1][1]),
    ('"ten"', DECIMAL_REFUSALS[4][1]), ("true", 'Decimal must be a string such as "10.25" or a number')])
async def test_a_refused_decimal_literal_reads_as_one_sentence(api: Api, literal: str, reason: str) -> None:
    account = await api.opened()
    document = f'mutation {{ deposit(input: {{accountId: "{account["id"]}", amount: {literal}}}) {{ __typename }} }}'

    errors = await api.errors(document)

    assert error_codes(errors) == ["BAD_USER_INPUT"]
    assert [error["message"] for error in errors] == [reason]
    assert errors[0]["locations"]


@pytest.mark.parametrize(("amount", "balance"), [("10.5", "10.50"), (".5", "0.50"), ("-0", None), ("7", "7.00")])
async def test_a_plain_decimal_means_what_it_reads(api: Api, amount: str, balance: str | None) -> None:
    account = await api.opened()

    result = await api.deposit(account["id"], amount)

    if balance is None:  # read exactly as written (zero), then refused by the amount rule, not by the scalar
        assert result["__typename"] != "AccountSuccess"
    else:
        assert result["account"]["balance"] == balance


@pytest.mark.parametrize("document", [
    "{ noSuchField }",
    "{ accounts { edges { node { id noSuchField } } } }",
    "query($first: Int) { accounts(first: $first) { edges { cursor } } }  query Other { __typename }",
    'mutation { deposit(input: {amount: "1"}) { __typename } }',
])
async def test_invalid_query_is_bad_user_input(api: Api, document: str) -> None:
    errors = await api.errors(document)
    assert set(error_codes(errors)) == {"BAD_USER_INPUT"}
    assert all(error["message"] for error in errors)


async def test_syntax_error_is_bad_user_input(server: RunningServer) -> None:
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        response = await http.post(server.http_url, json={"query": "{ accounts { "})
    body = response.json()
    assert error_codes(body["errors"]) == ["BAD_USER_INPUT"], body


@pytest.mark.parametrize("first", [0, -1, MAX_PAGE_SIZE + 1])
@pytest.mark.parametrize("field", ["accounts", "events", "transactions", "dailyTotals"])
async def test_page_size_out_of_range_is_bad_user_input(api: Api, field: str, first: int) -> None:
    account = {"accountId": "00000000-0000-0000-0000-000000000000"} if field == "transactions" else {}
    errors = await api.errors(_first_page(field, account), first=first, **account)
    assert error_codes(errors) == ["BAD_USER_INPUT"]
    assert str(MAX_PAGE_SIZE) in errors[0]["message"]


@pytest.mark.parametrize("field", ["events", "transactions", "accounts", "dailyTotals", "customers"])
@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "\u0663", ""])
async def test_malformed_position_cursor_is_bad_user_input(api: Api, field: str, after: str) -> None:
    account = {"accountId": "00000000-0000-0000-0000-000000000000"} if field == "transactions" else {}
    errors = await api.errors(_first_page(field, account), first=1, after=after, **account)
    assert error_codes(errors) == ["BAD_USER_INPUT"]


def _first_page(field: str, account: dict[str, str]) -> str:
    declared, passed = (", $accountId: ID!", "accountId: $accountId, ") if account else ("", "")
    return (f"query($first: Int, $after: String{declared}) {{ {field}({passed}first: $first, after: $after) "
            f"{{ edges {{ cursor }} }} }}")


@pytest.mark.parametrize("body", [b'"hello"', b"42", b"null", b"{not json", b'{"query": "\xff\xfe"}', b"[1]",
                                  b'{"query": "{ __typename }", "operationName": {"obj": "ect"}}',
                                  b'{"query": "{ __typename }", "operationName": 0}',
                                  b'{"query": "{ __typename }", "operationName": false}',
                                  b'{"query": "{ __typename }", "operationName": ["array"]}'])
async def test_malformed_body_is_a_json_400_with_a_code(server: RunningServer, body: bytes) -> None:
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        response = await http.post(server.http_url, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_codes(response.json()["errors"]) == ["BAD_USER_INPUT"]


async def test_unsupported_content_type_is_a_json_error(server: RunningServer) -> None:
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        response = await http.post(server.http_url, content=b"{ __typename }", headers={"content-type": "text/plain"})
    assert response.status_code in (400, 415)
    assert error_codes(response.json()["errors"]) == ["BAD_USER_INPUT"]


async def test_several_operations_need_an_operation_name(server: RunningServer) -> None:
    document = "query A { a: __typename } query B { b: __typename }"
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        unnamed = await http.post(server.http_url, json={"query": document})
        named = await http.post(server.http_url, json={"query": document, "operationName": "B"})
    assert error_codes(unnamed.json()["errors"]) == ["BAD_USER_INPUT"]
    assert unnamed.json().get("data") is None
    assert named.json() == {"data": {"b": "Query"}}


@pytest.mark.parametrize(("body", "fragment"), [
    ({"query": "subscription { events { position } }"}, "Subscription operations"),
    ({"query": "query A { a: __typename }", "operationName": "Nope"}, "Unknown operation"),
    ({"query": "{ accounts(first: " + "9" * 5000 + ") { edges { cursor } } }"}, "too many digits"),
])
async def test_operations_that_cannot_run_over_http_are_bad_user_input(
        server: RunningServer, body: dict[str, str], fragment: str) -> None:
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        response = await http.post(server.http_url, json=body)
    errors = response.json()["errors"]
    assert error_codes(errors) == ["BAD_USER_INPUT"]
    assert fragment in errors[0]["message"]
    assert "sys." not in errors[0]["message"]
