"""Argument checks shared by list fields: page sizes and cursors."""

from __future__ import annotations

from graphql import GraphQLError

DEFAULT_PAGE_SIZE = 20


def bad_input(message: str) -> GraphQLError:
    """Return a top-level request error with ``extensions.code = BAD_USER_INPUT``."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def page_size(first: int | None, maximum: int) -> int:
    """Return the page size for ``first`` (default 20).

    Raises:
        GraphQLError: ``first`` is below 1 or above ``maximum`` (BAD_USER_INPUT).
    """
    if first is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
    if first < 1 or first > maximum:
        raise bad_input(f"first must be between 1 and {maximum}")
    return first


def position_cursor(after: str | None, *, name: str = "after") -> int:
    """Decode a position (or version) cursor; ``None`` decodes to 0.

    Raises:
        GraphQLError: the cursor is not a non-negative integer (BAD_USER_INPUT).
    """
    if after is None:
        return 0
    if not (after.isascii() and after.isdigit()) or len(after) > 19:
        raise bad_input(f"{name} must be a cursor returned by this API")
    return int(after)
