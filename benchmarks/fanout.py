"""Row 4: subscription fan-out to many graphql-transport-ws subscribers on ``events``.

For Chronicle and then for the bare strawberry anchor (``bare_app.py``, same
server settings, same payload fields), in one run:

1. connect N real WebSocket clients (``websockets``), spread over two client
   processes, each subscribing ``events { position streamId version type data recordedAt }``;
2. steady phase: 5 appends/s (Chronicle: ``deposit`` mutations; bare: ``publish``)
   for 30 s; latency = client receive time - the event's ``recordedAt``
   (same machine clock), p50/p99 over every delivery;
3. burst phase: appends back to back; sustained deliveries/s = deliveries of
   the burst / (last delivery - first append);
4. server RSS before the clients connect and after both phases.

    uv run python benchmarks/fanout.py [--quick] [--subscribers 1000]
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from _report import parser, raise_fd_limit, row, rss_mb
from _servers import bare, chronicle

DOCUMENT = "subscription { events { position streamId version type data recordedAt } }"
CLIENT_PROCESSES = 2


async def _client(url: str, ready: Any, stop: Any, received: list[tuple[float, float]], failures: list[str]) -> None:
    import websockets

    try:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=None,  # type: ignore[list-item]
                                      open_timeout=60, ping_interval=None) as ws:
            await ws.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
            await ws.recv()
            await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": DOCUMENT}}).decode())
            ready()
            while not stop.is_set():
                try:
                    message = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                now = time.time()
                body = orjson.loads(message)
                if body.get("type") != "next":
                    failures.append(str(body)[:200])
                    continue
                recorded = datetime.fromisoformat(body["payload"]["data"]["events"]["recordedAt"]).timestamp()
                received.append((now, now - recorded))
    except Exception as error:
        failures.append(repr(error)[:200])
        ready()


def client_process(url: str, count: int, ready_queue: Any, stop: Any, results: Any) -> None:
    raise_fd_limit(count + 256)
    received: list[tuple[float, float]] = []
    failures: list[str] = []

    async def run() -> None:
        connected = 0

        def ready() -> None:
            nonlocal connected
            connected += 1
            if connected == count:
                ready_queue.put(count)

        tasks = []
        for start in range(0, count, 50):  # connect in waves; a 1,000-socket burst overflows the accept backlog
            tasks += [asyncio.create_task(_client(url, ready, stop, received, failures))
                      for _ in range(min(50, count - start))]
            await asyncio.sleep(0.05)
        await asyncio.gather(*tasks)

    asyncio.run(run())
    results.put((received, failures[:5], len(failures)))


def append_once(http: httpx.Client, url: str, kind: str, account_id: str) -> None:
    if kind == "chronicle":
        body = http.post(url, json={"query": "mutation($id: ID!) { deposit(input: {accountId: $id, amount: \"1.00\"})"
                                             " { __typename } }", "variables": {"id": account_id}}).json()
        assert body["data"]["deposit"]["__typename"] == "AccountSuccess", body
    else:
        http.post(url, json={"query": "mutation($id: String!) { publish(accountId: $id) }",
                             "variables": {"id": account_id}}).raise_for_status()


def measure(kind: str, server: Any, subscribers: int, steady_seconds: float, rate: float,
            burst: int) -> dict[str, float]:
    with httpx.Client(timeout=30) as http:
        account_id = "x"
        if kind == "chronicle":
            document = ('mutation { openAccount(input: {owner: "B", currency: "EUR"}) '
                        "{ ... on AccountSuccess { account { id } } } }")
            body = http.post(server.http_url, json={"query": document})
            account_id = body.json()["data"]["openAccount"]["account"]["id"]
        rss_before = rss_mb(server.process.pid)
        ctx = mp.get_context("spawn")
        ready, stop, results = ctx.Queue(), ctx.Event(), ctx.Queue()
        shares = [subscribers // CLIENT_PROCESSES + (1 if i < subscribers % CLIENT_PROCESSES else 0)
                  for i in range(CLIENT_PROCESSES)]
        workers = [ctx.Process(target=client_process, args=(server.ws_url, n, ready, stop, results)) for n in shares]
        for worker in workers:
            worker.start()
        for _ in workers:
            ready.get(timeout=180)
        time.sleep(1.0)
        steady_start = time.time()
        for i in range(int(steady_seconds * rate)):
            time.sleep(max(0.0, steady_start + i / rate - time.time()))
            append_once(http, server.http_url, kind, account_id)
        steady_end = time.time() + 2.0
        time.sleep(2.0)
        burst_start = time.time()
        for _ in range(burst):
            append_once(http, server.http_url, kind, account_id)
        time.sleep(3.0)
        stop.set()
        collected = [results.get(timeout=300) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        rss_after = rss_mb(server.process.pid)
    received = [item for chunk in collected for item in chunk[0]]
    failures = sum(chunk[2] for chunk in collected)
    examples = [e for chunk in collected for e in chunk[1]]
    steady = sorted(lat for at, lat in received if steady_start <= at < steady_end)
    burst_times = [at for at, _ in received if at >= burst_start]
    expected = subscribers * int(steady_seconds * rate)
    quantiles = statistics.quantiles(steady, n=100) if len(steady) > 1 else [float("nan")] * 99
    return {
        "p50": quantiles[49] * 1000, "p99": quantiles[98] * 1000,
        "steady_delivered": len(steady), "steady_expected": expected,
        "burst_rate": len(burst_times) / (max(burst_times) - burst_start) if burst_times else 0.0,
        "burst_delivered": len(burst_times), "burst_expected": subscribers * burst,
        "rss_growth": rss_after - rss_before, "failures": failures, "examples": examples,  # type: ignore[dict-item]
    }


def main() -> None:
    options_parser = parser(__doc__)
    options_parser.add_argument("--subscribers", type=int, default=1000)
    options = options_parser.parse_args()
    subscribers = 200 if options.quick else options.subscribers
    steady, burst = (8.0, 20) if options.quick else (30.0, 60)
    limit = raise_fd_limit(subscribers + 256)
    if limit < subscribers // CLIENT_PROCESSES + 64:
        raise SystemExit(f"open-files limit {limit} is too low for {subscribers} subscribers")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        with chronicle(directory) as server:
            results["chronicle"] = measure("chronicle", server, subscribers, steady, 5.0, burst)
        with bare(directory) as server:
            results["bare"] = measure("bare", server, subscribers, steady, 5.0, burst)
    ours, theirs = results["chronicle"], results["bare"]
    for name, result in results.items():
        print(f"{name}: p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, steady "
              f"{result['steady_delivered']:,}/{result['steady_expected']:,} delivered, burst "
              f"{result['burst_rate']:,.0f} deliveries/s ({result['burst_delivered']:,}/{result['burst_expected']:,}),"
              f" RSS growth {result['rss_growth']:.0f} MB, client failures {result['failures']} {result['examples']}")
    label = f"4 fan-out, {subscribers:,} subscribers"
    row(f"{label}: p99 append->delivery at 5/s", ours["p99"], "ms", "bare strawberry", theirs["p99"], "< 250 ms",
        ours["p99"] < 250, f"p50 {ours['p50']:.0f} ms vs {theirs['p50']:.0f} ms; {steady:.0f} s")
    row(f"{label}: sustained deliveries/s", ours["burst_rate"], "msg/s", "bare strawberry", theirs["burst_rate"],
        ">= 3x bare", ours["burst_rate"] >= 3 * theirs["burst_rate"], f"burst of {burst} appends")
    row(f"{label}: server RSS growth", ours["rss_growth"], "MB", "bare strawberry", theirs["rss_growth"],
        "< 200 MB", ours["rss_growth"] < 200)


if __name__ == "__main__":
    main()
