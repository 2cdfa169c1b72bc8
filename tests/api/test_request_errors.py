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
