"""The ``chronicle`` command line (typer): serve, projections, events, verify."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.app import open_runtime, sqlite_path
from api.logs import configure_logging
from api.settings import Settings
from core.audit import AuditReport, Digest, audit
from core.projections import by_name

app = typer.Typer(help="Chronicle: an event-sourced GraphQL service.", no_args_is_help=True)
projections_app = typer.Typer(help="Inspect and rebuild projections.", no_args_is_help=True)
events_app = typer.Typer(help="Read the event log.", no_args_is_help=True)
app.add_typer(projections_app, name="projections")
app.add_typer(events_app, name="events")
console = Console()

StoreUrl = Annotated[str | None, typer.Option("--store-url", help="sqlite:///path or mongodb://... "
                                              "(default: CHRONICLE_STORE_URL or sqlite:///data/chronicle.db)")]


def _fail(message: str) -> NoReturn:
    """Print ``message`` as one red line (never wrapped) and exit with status 2."""
    console.print(f"[red]{escape(message)}[/]", soft_wrap=True)
    raise typer.Exit(2)


def _settings(store_url: str | None, **overrides: object) -> Settings:
    """Return the settings from the environment and ``overrides``; exit 2 with one line per bad setting."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if store_url:
        values["store_url"] = store_url
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as error:
        prefix = str(Settings.model_config.get("env_prefix", ""))
        reasons = []
        for problem in error.errors():
            name = f"{prefix}{'.'.join(str(part) for part in problem['loc'])}".upper() if problem["loc"] else "settings"
            reasons.append(f"{name}: {str(problem['msg']).removeprefix('Value error, ')}")
        _fail(f"cannot start: invalid setting {'; '.join(reasons)}")
    except SettingsError as error:  # e.g. a JSON setting that is not JSON
        _fail(f"cannot start: {error}")


def _existing_store(settings: Settings) -> Settings:
    """Return ``settings`` if its store can be opened without creating it.

    Only ``serve`` creates a SQLite file: the other commands read an existing
    log, and a mistyped path would otherwise silently give an empty one.
    """
    if settings.store_url.startswith("sqlite:"):
        try:
            path = sqlite_path(settings.store_url)
        except ValueError as error:
            _fail(f"cannot open the store: {error}")
        if not Path(path).is_file():
            _fail(f"cannot open the store: {path} does not exist (only `chronicle serve` creates it; "
                  f"pass the --store-url the server uses)")
    return settings


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    store_url: StoreUrl = None,
) -> None:
    """Run the GraphQL service under uvicorn."""
    from api.app import create_app
    from api.hosts import check_anonymous_bind
    from api.server import serve as run_server

    settings = _settings(store_url, host=host, port=port)
    configure_logging(settings.log_level, settings.log_format)
    if settings.allow_anonymous is None and not settings.jwt_configured:
        settings = settings.model_copy(update={"allow_anonymous": True})
    if settings.allow_anonymous:
        logging.getLogger("chronicle").warning(
            "ANONYMOUS ACCESS IS ON: every request without a token acts as 'anonymous' with ALL roles "
            "(teller, auditor, admin). Development only; for production set CHRONICLE_JWT_SECRET, "
            "CHRONICLE_JWT_PUBLIC_KEY_FILE or CHRONICLE_JWT_JWKS_FILE and CHRONICLE_ALLOW_ANONYMOUS=false.")
        console.print("[bold red]WARNING: anonymous access with all roles is ON (development mode)[/]")
    try:  # checks the configuration, so refusing comes before the banner
        check_anonymous_bind(settings)
        app_ = create_app(settings)
    except ValueError as error:
        _fail(f"cannot start: {error}")
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    console.print(f"Chronicle on [bold]http://{shown_host}:{settings.port}/graphql[/] (GraphiQL), "
                  f"live ledger at http://{shown_host}:{settings.port}/ ; store: {escape(settings.store_url)}",
                  soft_wrap=True)
    run_server(app_, settings)


@projections_app.command("rebuild")
def rebuild(
    name: Annotated[str | None, typer.Argument(help="Projection to rebuild (default: all).")] = None,
    store_url: StoreUrl = None,
) -> None:
    """Rebuild projections by replaying the log from position 1."""
    settings = _existing_store(_settings(store_url))

    async def run() -> None:
        async with open_runtime(settings) as runtime:
            try:
                chosen = by_name(runtime.projections, name)
            except KeyError as error:
                console.print(f"[red]{error.args[0]}[/]")
                raise typer.Exit(2) from None
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=console) as progress:
                for projection in chosen:
                    task = progress.add_task(projection.name, total=None)

                    def advance(done: int, total: int, task: TaskID = task) -> None:
                        progress.update(task, completed=done, total=total)

                    applied = await runtime.views.rebuild(projection, progress=advance)
                    progress.update(task, completed=applied, total=max(applied, 1))
            console.print(f"rebuilt {', '.join(p.name for p in chosen)}")

    asyncio.run(run())


@projections_app.command("status")
def status(store_url: StoreUrl = None) -> None:
    """Show each projection's checkpoint and lag behind the log's head."""
    settings = _existing_store(_settings(store_url))

    async def run() -> None:
        async with open_runtime(settings) as runtime:
            head = await runtime.store.head_position()
            table = Table("projection", "checkpoint", "head", "lag")
            for projection in runtime.projections:
                checkpoint = await runtime.views.checkpoint(projection.name)
                table.add_row(projection.name, str(checkpoint), str(head), str(head - checkpoint))
            console.print(table)

    asyncio.run(run())


@events_app.command("tail")
def tail(
    after: Annotated[int | None, typer.Option("--after", min=0,
                                              help="Start after this position (default: the head).")] = None,
    store_url: StoreUrl = None,
) -> None:
    """Print events as they are appended, one JSON object a line (Ctrl-C to stop)."""
    settings = _existing_store(_settings(store_url))

    async def run() -> None:
        async with open_runtime(settings) as runtime:
            start = None if after is None else after + 1
            async for event in runtime.store.subscribe(start):
                line = {"position": event.position, "stream_id": event.stream_id, "version": event.version,
                        "type": event.type, "recorded_at": event.recorded_at.isoformat(), "data": dict(event.data)}
                print(json.dumps(line, ensure_ascii=False), flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


PROGRESS_FROM = 20_000
"""Logs of at least this many events get a progress bar in ``chronicle verify``."""


def _digest(value: str) -> Digest:
    """Parse ``SIZE:ROOTHEX`` (a saved ``logDigest``); exit 2 with one line when it is malformed."""
    size, _, root = value.partition(":")
    if not (size.isascii() and size.isdigit() and len(size) <= 19) or len(root) != 64:
        _fail(f"--digest must be SIZE:ROOTHEX (a tree size and a 64-digit hex root), not {value!r}")
    try:
        return Digest(int(size), bytes.fromhex(root))
    except ValueError:
        _fail(f"--digest must be SIZE:ROOTHEX (a tree size and a 64-digit hex root), not {value!r}")


@app.command("verify")
def verify(
    store_url: StoreUrl = None,
    digest: Annotated[str | None, typer.Option(
        "--digest", metavar="SIZE:ROOTHEX",
        help="A saved logDigest (treeSize:rootHash): check that the log's first SIZE events still have that "
             "root, i.e. that history up to it was only appended to.")] = None,
    backfill: Annotated[bool, typer.Option(
        "--backfill", help="Hash events the tree does not cover yet (a log written before the tree existed, "
                           "or a tree table emptied to rebuild it) instead of reporting them.")] = False,
) -> None:
    """Recompute every leaf and node of the log's Merkle tree from the stored events and compare.

    Prints `verified N events, root <hex>` and exits 0; otherwise prints the first position whose
    event does not match (or `digest mismatch at size N`) and exits 1.
    """
    settings = _existing_store(_settings(store_url))
    saved = _digest(digest) if digest is not None else None

    async def run() -> AuditReport:
        async with open_runtime(settings) as runtime:
            total = await runtime.merkle.event_count()
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=console, transient=True, disable=total < PROGRESS_FROM) as progress:
                task = progress.add_task("verifying", total=total)

                def advance(done: int, known: int) -> None:
                    progress.update(task, completed=done, total=known)

                return await audit(runtime.merkle, digest=saved, backfill=backfill, progress=advance)

    report = asyncio.run(run())
    if report.backfilled:
        print(f"backfilled {report.backfilled} events into the Merkle tree")
    if not report.ok:
        print(report.problem)
        raise typer.Exit(1)
    print(f"verified {report.events} events, root {report.root.hex()}")
    if saved is not None:
        print(f"digest {saved.size}:{saved.root.hex()} matches")
