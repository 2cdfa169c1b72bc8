"""The ``chronicle`` command line (typer): serve, token, projections, events, verify.

Help must be quick (``chronicle --help`` and every ``--help`` well under 0.5 s),
so this module imports only typer and :mod:`api.defaults` at the top. pydantic,
the app, the stores, strawberry, PyJWT and rich are imported inside the commands
that use them; ``tests/api/test_cli_help.py`` checks which modules a help loads.

Help is printed by click's plain formatter (``rich_markup_mode=None``): typer
0.29's rich panels print ``<bool>`` beside every flag, ``--help`` included, and
neither ``--x/--no-x`` declarations nor help panels change that.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from api import defaults

if TYPE_CHECKING:
    from rich.console import Console

    from api.settings import Settings
    from core.audit import AuditReport, Digest



class QuickHelpGroup(TyperGroup):
    """A command group whose unset flags (``--help``, ``--install-completion``) read as ``False``.

    typer 0.29 coerces an unset flag's ``None`` through a pydantic
    ``TypeAdapter``, so every ``chronicle <command> --help`` would import
    pydantic (about 0.3 s) for the group's own unused flags; a ``bool`` value
    skips that coercion. ``tests/api/test_cli_help.py`` fails if pydantic comes back.
    """

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_bool_flag", False) and param.default is None:
                param.default = False
        return params


app = typer.Typer(cls=QuickHelpGroup, help="Chronicle: an event-sourced GraphQL service.", no_args_is_help=True,
                  rich_markup_mode=None)
projections_app = typer.Typer(cls=QuickHelpGroup, help="Inspect and rebuild projections.", no_args_is_help=True,
                              rich_markup_mode=None)
events_app = typer.Typer(cls=QuickHelpGroup, help="Read the event log.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(projections_app, name="projections")
app.add_typer(events_app, name="events")

StoreUrl = Annotated[str, typer.Option("--store-url", envvar=defaults.env_name("store_url"), show_envvar=True,
                                       metavar="URL", help="sqlite:///path or mongodb://host/database")]


@functools.cache
def _console() -> Console:
    from rich.console import Console

    return Console()


@functools.cache
def _errors() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _fail(message: str) -> NoReturn:
    """Print ``message`` as one red line on stderr (never wrapped) and exit with status 2."""
    from rich.markup import escape

    _errors().print(f"[red]{escape(message)}[/]", soft_wrap=True)
    raise typer.Exit(2)


def _settings(store_url: str | None = None, **overrides: object) -> Settings:
    """Return the settings from the environment and ``overrides``; exit 2 with one line per bad setting."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from api.settings import Settings

    values = {k: v for k, v in overrides.items() if v is not None}
    if store_url:
        values["store_url"] = store_url
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as error:
        reasons = []
        for problem in error.errors():
            name = defaults.env_name(".".join(str(part) for part in problem["loc"])) if problem["loc"] else "settings"
            reasons.append(f"{name}: {str(problem['msg']).removeprefix('Value error, ')}")
        _fail(f"cannot start: invalid setting {'; '.join(reasons)}")
    except SettingsError as error:  # e.g. a JSON setting that is not JSON
        _fail(f"cannot start: {error}")


def _existing_store(settings: Settings) -> Settings:
    """Return ``settings`` if its store can be opened without creating it.

    Only ``serve`` creates a SQLite file: the other commands read an existing
    log, and a mistyped path would otherwise silently give an empty one.
    """
    from pathlib import Path

    from api.app import sqlite_path

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
    host: Annotated[str, typer.Option(envvar=defaults.env_name("host"), show_envvar=True, metavar="HOST",
                                      help="Interface to listen on.")] = defaults.HOST,
    port: Annotated[int, typer.Option(envvar=defaults.env_name("port"), show_envvar=True, metavar="PORT",
                                      help="TCP port.")] = defaults.PORT,
    store_url: StoreUrl = defaults.STORE_URL,
) -> None:
    """Run the GraphQL service under uvicorn."""
    import logging

    from rich.markup import escape

    from api.app import create_app
    from api.hosts import check_anonymous_bind
    from api.logs import configure_logging
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
        _console().print("[bold red]WARNING: anonymous access with all roles is ON (development mode)[/]")
    try:  # checks the configuration, so refusing comes before the banner
        check_anonymous_bind(settings)
        app_ = create_app(settings)
    except ValueError as error:
        _fail(f"cannot start: {error}")
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    _console().print(f"Chronicle on [bold]http://{shown_host}:{settings.port}/graphql[/] (GraphiQL), "
                     f"live ledger at http://{shown_host}:{settings.port}/ ; store: {escape(settings.store_url)}",
                     soft_wrap=True)
    run_server(app_, settings)


@app.command(no_args_is_help=True)
def token(
    roles: Annotated[str, typer.Option(metavar="ROLES", show_default=False,
                                       help="Comma-separated roles, e.g. teller,auditor.")],
    subject: Annotated[str, typer.Option(metavar="SUBJECT",
                                         help="The token's sub: the actor recorded on the events it appends.")]
    = "developer",
    ttl: Annotated[str, typer.Option(metavar="DURATION",
                                     help="Lifetime, e.g. 15m, 1h, 1h30m, 7d (at most 365d).")] = "1h",
) -> None:
    """Print a development JWT with the given roles.

    The token is signed with CHRONICLE_JWT_SECRET, the secret the server
    verifies with (HS256). It carries sub, roles, iat and exp, plus aud and iss when
    CHRONICLE_JWT_AUDIENCE / CHRONICLE_JWT_ISSUER are set. Exit status 2 when no
    secret is configured or an argument is refused.
    """
    import sys

    from api.tokens import TokenRefused, mint_token, parse_roles, parse_ttl

    try:
        chosen, lifetime = parse_roles(roles), parse_ttl(ttl)
        minted = mint_token(_settings(), subject=subject, roles=chosen, ttl=lifetime)
    except TokenRefused as refusal:
        _fail(f"cannot mint a token: {refusal}")
    sys.stdout.write(minted.token + "\n")
    _errors().print(f"{', '.join(sorted(chosen))} token for {subject!r}, expires {minted.expires_at:%Y-%m-%d %H:%M:%S} "
                    "UTC", soft_wrap=True, highlight=False, markup=False)


def projection_names() -> list[str]:
    """Return the names of the built-in domains' projections, in the order they run (:mod:`core.domains`)."""
    from core.domains import built_in_registry

    return [projection.name for projection in built_in_registry().projections()]


class ListsProjectionNames(TyperCommand):
    """A command whose help ends with the projection names, read only when help is printed."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.epilog = (f"Projection names: {', '.join(projection_names())}, and those of the domains "
                       f"{defaults.env_name('domains')} adds.")
        super().format_help(ctx, formatter)


@projections_app.command("rebuild", cls=ListsProjectionNames)
def rebuild(
    name: Annotated[str | None, typer.Argument(metavar="NAME", show_default=False,
                                               help="Projection to rebuild (default: all of them).")] = None,
    store_url: StoreUrl = defaults.STORE_URL,
) -> None:
    """Rebuild projections by replaying the log from position 1."""
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    from api.app import open_runtime
    from core.projections import by_name

    settings = _existing_store(_settings(store_url))

    async def run() -> None:
        async with open_runtime(settings) as runtime:
            try:
                chosen = by_name(runtime.projections, name)
            except KeyError as error:
                _fail(error.args[0])
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=_console()) as progress:
                for projection in chosen:
                    task = progress.add_task(projection.name, total=None)

                    def advance(done: int, total: int, task: TaskID = task) -> None:
                        progress.update(task, completed=done, total=total)

                    applied = await runtime.views.rebuild(projection, progress=advance)
                    progress.update(task, completed=applied, total=max(applied, 1))
            _console().print(f"rebuilt {', '.join(p.name for p in chosen)}")

    asyncio.run(run())


@projections_app.command("status")
def status(store_url: StoreUrl = defaults.STORE_URL) -> None:
    """Show each projection's checkpoint and lag behind the log's head."""
    import asyncio

    from rich.table import Table

    from api.app import open_runtime

    settings = _existing_store(_settings(store_url))

    async def run() -> None:
        async with open_runtime(settings) as runtime:
            head = await runtime.store.head_position()
            table = Table("projection", "checkpoint", "head", "lag")
            for projection in runtime.projections:
                checkpoint = await runtime.views.checkpoint(projection.name)
                table.add_row(projection.name, str(checkpoint), str(head), str(head - checkpoint))
            _console().print(table)

    asyncio.run(run())


@events_app.command("tail")
def tail(
    after: Annotated[int | None, typer.Option("--after", min=0, show_default=False, metavar="POSITION",
                                              help="Start after this position (default: the head).")] = None,
    store_url: StoreUrl = defaults.STORE_URL,
) -> None:
    """Print events as they are appended, one JSON object a line (Ctrl-C to stop)."""
    import asyncio
    import contextlib
    import json

    from api.app import open_runtime

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
    from core.audit import Digest

    size, _, root = value.partition(":")
    if not (size.isascii() and size.isdigit() and len(size) <= 19) or len(root) != 64:
        _fail(f"--digest must be SIZE:ROOTHEX (a tree size and a 64-digit hex root), not {value!r}")
    try:
        return Digest(int(size), bytes.fromhex(root))
    except ValueError:
        _fail(f"--digest must be SIZE:ROOTHEX (a tree size and a 64-digit hex root), not {value!r}")


@app.command("verify")
def verify(
    store_url: StoreUrl = defaults.STORE_URL,
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
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from api.app import open_runtime
    from core.audit import audit

    settings = _existing_store(_settings(store_url))
    saved = _digest(digest) if digest is not None else None

    async def run() -> AuditReport:
        async with open_runtime(settings) as runtime:
            total = await runtime.merkle.event_count()
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=_console(), transient=True, disable=total < PROGRESS_FROM) as progress:
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
