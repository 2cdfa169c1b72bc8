"""Settings from ``CHRONICLE_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api import defaults
from core.bank.transfer_steps import TransferStep

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
"""The default ``Host`` allow-list: the names a browser uses for a server on this machine."""


class Settings(BaseSettings):
    """Runtime configuration; every field reads ``CHRONICLE_<NAME>`` (case-insensitive).

    Attributes:
        store_url: ``sqlite:///<path>`` (default, a file under ./data) or ``mongodb://...``.
        mongo_database: database name when ``store_url`` is a MongoDB URL that names
            none in its path (``mongodb://host/<database>?...`` wins).
        poll_interval: seconds between polls for events appended by other processes.
        sqlite_write_lock_timeout: SQLite only: seconds a write waits (without blocking
            other requests) for a write lock another process holds, then STORE_UNAVAILABLE.
        host, port: where ``chronicle serve`` listens.
        graphiql: ``local`` serves the bundled GraphiQL, ``cdn`` strawberry's
            CDN page, ``off`` none.
        max_page_size: largest ``first`` accepted by list queries.
        log_level: Python logging level name.
        snapshot_interval: save an aggregate snapshot every N events (0 = never).
        snapshot_intervals: per aggregate type overrides, as JSON in the
            environment: ``CHRONICLE_SNAPSHOT_INTERVALS='{"account": 50}'``.
        log_format: ``json`` (one structlog JSON object a line) or ``console``.
        max_query_depth, max_query_tokens, max_query_aliases, max_query_nodes:
            limits on every GraphQL document (HTTP and WebSocket); refused with
            ``QUERY_TOO_DEEP``, ``TOO_MANY_TOKENS``, ``TOO_MANY_ALIASES``,
            ``QUERY_TOO_COMPLEX``. Nodes are the selections (fields, inline
            fragments, spreads) once every fragment spread is expanded.
        max_query_cost: most events and rows one operation may read, as
            :mod:`api.cost` prices it (``QUERY_TOO_COSTLY``).
        max_body_bytes: largest HTTP request body (413, ``REQUEST_TOO_LARGE``).
        body_read_timeout: seconds a client has to send its whole request body
            (408, ``REQUEST_TIMEOUT``).
        max_header_bytes: largest request head, request line and headers
            (431, ``REQUEST_HEADERS_TOO_LARGE``; see :mod:`api.server`).
        header_read_timeout: seconds a client has, from the accept or from a
            later request's first byte, to finish the request head (then 408
            and a close, or a close when it sent nothing).
        keep_alive_timeout: seconds an idle keep-alive connection stays open
            after a response.
        max_connections: open connections per process, HTTP and WebSocket
            together; one beyond is answered 503 (``TOO_MANY_CONNECTIONS``).
        ws_max_connections: open WebSocket connections per process (at most
            ``max_connections``); a handshake beyond is refused with 503
            (``TOO_MANY_WEBSOCKETS``) and counted in
            ``chronicle_websocket_refused_total``.
        ws_max_message_bytes: largest WebSocket message (close 1009).
        ws_compression: negotiate permessage-deflate on WebSockets (off by default:
            each compressed connection keeps its own zlib state, measured at about
            40 KB more per idle connection and more once it has sent, and every
            shared payload is compressed again per subscriber).
        max_subscriptions_per_connection: live operations per WebSocket
            (``TOO_MANY_SUBSCRIPTIONS``).
        connection_init_wait_timeout: seconds a WebSocket client (either protocol)
            has to send ``connection_init`` (then close 4408).
        ws_max_connection_age: seconds a WebSocket session may last from its
            handshake; then it is closed with 1001 and the client reconnects
            (sessions also end, with 4403, when their token expires).
        max_operation_id_length: longest operation id accepted on a WebSocket
            (``graphql-transport-ws`` closes 4400, ``graphql-ws`` answers an ``error``).
        introspection: answer ``__schema`` / ``__type`` queries.
        field_suggestions: add "Did you mean ...?" to request errors; off, no
            validation or variable error suggests any name of the schema
            (graphql-core's ``hide_suggestions``, see :mod:`api.validation`).
        ready_max_projection_lag: ``/readyz`` fails when a projection's
            checkpoint is more than this many positions behind the log's head.
        jwt_secret: HS256 shared secret (at least 32 bytes); tokens must be signed with it.
        jwt_public_key_file: PEM file with an RS256 public key.
        jwt_jwks_file: JSON Web Key Set file (RS256 keys, chosen by ``kid``).
        jwt_audience, jwt_issuer: when set, tokens must carry this ``aud`` / ``iss``.
        jwt_roles_claim: the claim holding the list of roles (default ``roles``).
        allow_anonymous: development only: requests without a token act as
            ``anonymous`` with every role. ``None`` (unset) means off, except that
            ``chronicle serve`` turns it on when no JWT key is configured.
        allow_anonymous_on_network: allow anonymous access on a bind that is
            not a loopback address (refused at start otherwise; logged loudly).
        allowed_hosts: ``Host`` names requests may carry, HTTP and WebSocket
            (comma-separated in the environment; ``*.example.com`` patterns;
            ``*`` = any). Default: the loopback names (:mod:`api.hosts`).
        allowed_origins: browser origins trusted for CORS and cross-origin
            WebSocket handshakes (comma-separated in the environment; ``*`` = any).
        default_phone_region: ISO 3166-1 alpha-2 region (``GB``) used to read
            phone numbers written without a ``+`` country code; unset (the
            default) requires the ``+`` prefix.
        log_signing_key_file: PKCS#8 PEM file with the Ed25519 private key that signs
            ``logDigest`` tree heads; unset, development mode uses (and on first start
            creates) ``./data/log-signing-key.pem``.
        domains: further domains to serve besides the built-in ones, as
            ``package.module:ATTRIBUTE`` paths of ``api.domains.GraphQLModule``
            objects (comma-separated in the environment; docs/extending.md).
        test_crash_after: TEST-ONLY fault injection, off by default: a
            transfer step (a value of :class:`core.bank.transfer_steps.TransferStep`;
            any other value is refused at start-up)
            after whose append the process SIGKILLs itself, so tests can check
            recovery. Setting it logs a warning at start-up. Never set it in
            production.
    """

    model_config = SettingsConfigDict(env_prefix=defaults.ENV_PREFIX, extra="ignore")

    store_url: str = defaults.STORE_URL
    mongo_database: str = "chronicle"
    poll_interval: float = Field(default=0.5, gt=0, le=60)
    sqlite_write_lock_timeout: float = Field(default=5.0, gt=0, le=600)
    host: str = defaults.HOST
    port: int = Field(default=defaults.PORT, ge=0, le=65535)
    graphiql: Literal["local", "cdn", "off"] = "local"
    max_page_size: int = Field(default=100, ge=1, le=10_000)
    log_level: str = "INFO"
    snapshot_interval: int = Field(default=20, ge=0)
    snapshot_intervals: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    log_format: Literal["json", "console"] = "json"
    max_query_depth: int = Field(default=10, ge=1)
    max_query_tokens: int = Field(default=2000, ge=10)
    max_query_aliases: int = Field(default=30, ge=0)
    max_query_nodes: int = Field(default=5000, ge=10)
    max_query_cost: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    body_read_timeout: float = Field(default=30.0, gt=0, le=3600)
    max_header_bytes: int = Field(default=32_768, ge=1024, le=1_048_576)
    header_read_timeout: float = Field(default=10.0, gt=0, le=600)
    keep_alive_timeout: float = Field(default=5.0, gt=0, le=600)
    max_connections: int = Field(default=11_000, ge=2)
    ws_max_connections: int = Field(default=10_000, ge=1)
    ws_max_message_bytes: int = Field(default=1_048_576, ge=1024)
    ws_compression: bool = False
    max_subscriptions_per_connection: int = Field(default=20, ge=1)
    connection_init_wait_timeout: float = Field(default=10.0, gt=0, le=600)
    ws_max_connection_age: float = Field(default=86_400.0, gt=0)
    max_operation_id_length: int = Field(default=128, ge=1, le=65_536)
    introspection: bool = True
    field_suggestions: bool = True
    ready_max_projection_lag: int = Field(default=1000, ge=0)

    log_signing_key_file: Path | None = None

    jwt_secret: str | None = Field(default=None, repr=False)
    jwt_public_key_file: Path | None = None
    jwt_jwks_file: Path | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    jwt_roles_claim: str = "roles"
    allow_anonymous: bool | None = None
    allow_anonymous_on_network: bool = False
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(LOOPBACK_HOSTS), min_length=1)
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    domains: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("allowed_origins", "allowed_hosts", "domains", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if pattern != "*" and "*" in (pattern[2:] if pattern.startswith("*.") else pattern):
                raise ValueError(f"{pattern!r}: a wildcard must be '*' or lead a domain, as in '*.example.com'")
        return value

    @field_validator("jwt_secret")
    @classmethod
    def _long_secret(cls, value: str | None) -> str | None:
        if value and len(value.encode()) < 32:
            raise ValueError("must be at least 32 bytes (RFC 7518 §3.2)")
        return value or None

    @model_validator(mode="after")
    def _room_for_http(self) -> Settings:
        if self.ws_max_connections > self.max_connections:
            raise ValueError("ws_max_connections must not exceed max_connections "
                             "(WebSockets are connections too; keep room for HTTP)")
        return self

    @property
    def jwt_configured(self) -> bool:
        """Whether any token verification key is configured."""
        return bool(self.jwt_secret or self.jwt_public_key_file or self.jwt_jwks_file)
    default_phone_region: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    test_crash_after: TransferStep | None = None

    @field_validator("test_crash_after", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value
