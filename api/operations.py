"""Operational endpoints: ``/healthz``, ``/readyz`` and ``/metrics``.

- ``/healthz``: liveness; 200 while the process serves HTTP.
- ``/readyz``: 200 when the store answers and every projection's lag (head
  minus checkpoint) is at most ``CHRONICLE_READY_MAX_PROJECTION_LAG``; 503 with
  the reason otherwise.
- ``/metrics``: Prometheus exposition of :class:`api.metrics.Metrics`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.context import Runtime
from api.metrics import Metrics
from core.errors import StoreUnavailable


async def projection_lags(runtime: Runtime) -> tuple[int, dict[str, int]]:
    """Return the log's head and each projection's lag behind it.

    Raises:
        StoreUnavailable: the store cannot be read.
    """
    head = await runtime.store.head_position()
    lags = {p.name: head - await runtime.views.checkpoint(p.name) for p in runtime.projections}
    return head, lags


def _runtime(request: Request) -> Runtime | None:
    """The runtime from the lifespan state; ``None`` when the app was started without its lifespan."""
    runtime: Runtime | None = getattr(request.state, "runtime", None)
    return runtime


def operation_routes(metrics: Metrics, max_lag: int) -> list[Route]:
    """Return the routes; they read the runtime from the lifespan state."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        current = _runtime(request)
        if current is None:
            return JSONResponse({"ready": False, "reason": "starting"}, status_code=503)
        try:
            head, lags = await projection_lags(current)
        except StoreUnavailable:
            return JSONResponse({"ready": False, "reason": "store unavailable"}, status_code=503)
        lagging = {name: lag for name, lag in lags.items() if lag > max_lag}
        if lagging:
            return JSONResponse({"ready": False, "reason": "projection lag", "head": head, "lag": lags,
                                 "maxLag": max_lag}, status_code=503)
        return JSONResponse({"ready": True, "head": head, "lag": lags})

    async def metrics_endpoint(request: Request) -> Response:
        current = _runtime(request)
        if current is not None:
            try:
                _, lags = await projection_lags(current)
            except StoreUnavailable:
                lags = {}
            for name, lag in lags.items():
                metrics.projection_lag.labels(name).set(lag)
        return Response(metrics.render(), media_type=metrics.content_type)

    return [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics_endpoint)]
