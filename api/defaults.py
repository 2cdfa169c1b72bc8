"""Defaults of the settings that ``chronicle --help`` shows, in a module free of pydantic.

:class:`api.settings.Settings` reads them; the command line shows them without
importing pydantic (about 0.3 s), so help stays fast. Every other default lives
in ``api/settings.py``.
"""

from __future__ import annotations

ENV_PREFIX = "CHRONICLE_"
"""Prefix of every setting's environment variable (``CHRONICLE_STORE_URL``)."""

STORE_URL = "sqlite:///data/chronicle.db"
HOST = "127.0.0.1"
PORT = 8000


def env_name(setting: str) -> str:
    """Return the environment variable of ``setting`` (``store_url`` -> ``CHRONICLE_STORE_URL``)."""
    return f"{ENV_PREFIX}{setting.upper()}"
