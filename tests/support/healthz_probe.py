"""Measure ``/healthz`` latency from a process of its own while a test attacks the server.

The probe runs in a separate process so that the attacking test's own event
loop and the GIL do not count as server latency. It sends ``GET /healthz``
every 50 ms on one kept-alive connection: it prints ``ready`` after its first
answer, goes on until its stdin closes, then prints the latencies (seconds) as
one JSON list.

    with healthz_probe(server.base_url) as latencies:
        ...  # the attack
    assert max(latencies) < 0.2
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx


def _probe(base_url: str) -> None:
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    latencies: list[float] = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        client.get("/healthz")  # connect and warm up; not measured
        print("ready", flush=True)
        while not stop.is_set():
            began = time.perf_counter()
            status = client.get("/healthz").status_code
            latencies.append(time.perf_counter() - began if status == 200 else float("inf"))
            stop.wait(0.05)
    print(json.dumps(latencies), flush=True)


@contextlib.contextmanager
def healthz_probe(base_url: str) -> Iterator[list[float]]:
    """Probe ``base_url``/healthz from a subprocess while the block runs; the yielded list
    is filled with the latencies (seconds; ``inf`` for a non-200 answer) when the block ends."""
    process = subprocess.Popen([sys.executable, "-m", "tests.support.healthz_probe", base_url],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    latencies: list[float] = []
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n", "the probe did not start"
    try:
        yield latencies
    finally:
        out, _ = process.communicate(b"", timeout=30)
        latencies.extend(json.loads(out))
    assert latencies, "the probe made no request"


if __name__ == "__main__":
    _probe(sys.argv[1])
