"""Relay-style connections (https://relay.dev/graphql/connections.htm)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

Node = TypeVar("Node")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo

    @classmethod
    def build(cls, items: list[tuple[str, Node]], *, has_next: bool, has_previous: bool) -> Connection[Node]:
        """Make a connection from ``(cursor, node)`` pairs in order."""
        edges = [Edge(cursor=cursor, node=node) for cursor, node in items]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
