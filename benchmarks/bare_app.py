"""The anchor of rows 3 and 4: a bare strawberry app, served like ``chronicle serve``.

Same stack and server settings as Chronicle (Starlette route to
``strawberry.asgi.GraphQL``, uvicorn, ``log_level="info"``,
``ws_max_size=1_048_576``, ``ws_per_message_deflate=False``), with strawberry's parser and validation caches on. It
answers a trivial ``deposit`` mutation (no I/O) and broadcasts every ``publish``
to each ``events`` subscriber, with a payload shaped like Chronicle's events.

    uv run python benchmarks/bare_app.py --port 8001
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.scalars import JSON

_subscribers: set[asyncio.Queue[Event]] = set()
_positions = itertools.count(1)


@strawberry.type
class Balance:
    balance: str
    version: int


@strawberry.type
class Event:
    position: int
    stream_id: str
    version: int
    type: str
    data: JSON
    recorded_at: datetime


@strawberry.type
class Query:
    hello: str = "world"


@strawberry.type
class Mutation:
    @strawberry.mutation
    def deposit(self, account_id: strawberry.ID, amount: str) -> Balance:
        return Balance(balance=amount, version=1)

    @strawberry.mutation
    def publish(self, account_id: str) -> int:
        position = next(_positions)
        event = Event(position=position, stream_id=f"account-{account_id}", version=position, type="MoneyDeposited",
                      data={"account_id": account_id, "amount": "1.00", "currency": "EUR", "reference": None},
                      recorded_at=datetime.now(UTC))
        for queue in _subscribers:
            queue.put_nowait(event)
        return position


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self) -> AsyncGenerator[Event, None]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        _subscribers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            _subscribers.discard(queue)


schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription,
                           extensions=[ParserCache(maxsize=512), ValidationCache(maxsize=512)])


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


graphql = GraphQL[None, None](schema)
app = Starlette(routes=[Route("/healthz", healthz), Route("/graphql", graphql, methods=["GET", "POST"]),
                        WebSocketRoute("/graphql", graphql)])

if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=options.port, log_level="info", ws_max_size=1_048_576,
                ws_per_message_deflate=False)
