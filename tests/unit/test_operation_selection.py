"""api.http.operation_problem: the GraphQL spec's GetOperation, with bounded caching."""

from __future__ import annotations

from api.http import CACHED_DOCUMENT_LENGTH, _cached_operations, operation_problem

ANY = frozenset({"query", "mutation", "subscription"})


def test_operation_selection_follows_get_operation() -> None:
    two = "query A { a: __typename } mutation B { b: __typename }"
    assert operation_problem(two, None, ANY) is not None
    assert operation_problem(two, "A", ANY) is None
    assert operation_problem(two, "C", ANY) == "Unknown operation named 'C'"
    assert operation_problem(two, "B", frozenset({"query"})) is not None
    assert operation_problem("{ x", None, ANY) is None  # the normal path reports the syntax error


def test_large_documents_are_not_cached() -> None:
    _cached_operations.cache_clear()
    large = "{ __typename " + " " * CACHED_DOCUMENT_LENGTH + "}"
    assert operation_problem(large, None, ANY) is None
    assert _cached_operations.cache_info().currsize == 0
    assert operation_problem("{ __typename }", None, ANY) is None
    assert _cached_operations.cache_info().currsize == 1


def test_documents_with_too_many_tokens_are_left_to_the_token_limit() -> None:
    huge = "query A { " + "a " * 30_000 + "} query B { b }"
    assert operation_problem(huge, None, ANY) is None
