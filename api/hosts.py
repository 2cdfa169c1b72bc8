"""Which ``Host`` a request may name, and where anonymous development access may listen.

DNS rebinding (issue 15 item 5): a web page on ``rebind.evil.example`` whose name
is re-pointed at 127.0.0.1 can send requests (and open WebSockets) to a local
server that carry ``Host: rebind.evil.example`` and a matching ``Origin``, so
CORS and the WebSocket origin check see a same-origin request. The ``Host``
allow-list (Starlette's ``TrustedHostMiddleware``, HTTP and WebSocket alike)
refuses such requests with 400: ``CHRONICLE_ALLOWED_HOSTS``, by default the
loopback names only; a deployment lists its public names (``*.example.com``
patterns allowed, ``*`` = any, to be used only behind a proxy that checks it).

Anonymous development mode gives every caller every role, so it is refused on
any bind but a loopback address unless ``CHRONICLE_ALLOW_ANONYMOUS_ON_NETWORK``
says otherwise (logged loudly by ``chronicle serve``).
"""

from __future__ import annotations

import ipaddress
import logging

from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api.settings import Settings

log = logging.getLogger("chronicle")


def host_middleware(settings: Settings) -> Middleware:
    """Return the ``Host`` allow-list middleware for ``settings.allowed_hosts``."""
    return Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False)


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` (a name or an address) listens on this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_anonymous_bind(settings: Settings) -> None:
    """Refuse anonymous access on a bind that is not a loopback address, unless
    ``settings.allow_anonymous_on_network`` overrides it (then log a loud warning).

    Raises:
        ValueError: anonymous access is on, ``settings.host`` is not loopback, and
            there is no override.
    """
    if not settings.allow_anonymous or is_loopback(settings.host):
        return
    if not settings.allow_anonymous_on_network:
        raise ValueError(
            f"anonymous access (every role, no token) is on and --host {settings.host} is not a loopback "
            "address: configure a JWT key (CHRONICLE_JWT_SECRET, CHRONICLE_JWT_PUBLIC_KEY_FILE or "
            "CHRONICLE_JWT_JWKS_FILE), bind to 127.0.0.1, or set CHRONICLE_ALLOW_ANONYMOUS_ON_NETWORK=true "
            "if you really mean it")
    log.warning("ANONYMOUS ACCESS ON A NETWORK INTERFACE (%s): anyone who can reach this port holds every "
                "role, because CHRONICLE_ALLOW_ANONYMOUS_ON_NETWORK=true", settings.host)
