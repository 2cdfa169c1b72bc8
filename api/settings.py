"""Settings from ``CHRONICLE_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field reads ``CHRONICLE_<NAME>`` (case-insensitive).

    Attributes:
        store_url: ``sqlite:///<path>`` (default, a file under ./data) or ``mongodb://...``.
        mongo_database: database name when ``store_url`` is a MongoDB URL.
        poll_interval: seconds between polls for events appended by other processes.
        host, port: where ``chronicle serve`` listens.
        graphiql: ``local`` serves the bundled GraphiQL, ``cdn`` strawberry's
            CDN page, ``off`` none.
        max_page_size: largest ``first`` accepted by list queries.
        log_level: Python logging level name.
        snapshot_interval: save an aggregate snapshot every N events (0 = never).
        snapshot_intervals: per aggregate type overrides, as JSON in the
            environment: ``CHRONICLE_SNAPSHOT_INTERVALS='{"account": 50}'``.
    """

    model_config = SettingsConfigDict(env_prefix="CHRONICLE_", extra="ignore")

    store_url: str = "sqlite:///data/chronicle.db"
    mongo_database: str = "chronicle"
    poll_interval: float = Field(default=0.5, gt=0, le=60)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    graphiql: Literal["local", "cdn", "off"] = "local"
    max_page_size: int = Field(default=100, ge=1, le=10_000)
    log_level: str = "INFO"
    snapshot_interval: int = Field(default=100, ge=0)
    snapshot_intervals: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
