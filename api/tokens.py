"""Development tokens: mint a JWT that :class:`api.auth.TokenVerifier` accepts.

``chronicle token`` uses this to give a developer (or a compose set-up) a
token signed with the configured ``CHRONICLE_JWT_SECRET``. The claims follow
what the verifier checks (``api/auth.py``): ``sub``, ``exp``, the roles claim
(``CHRONICLE_JWT_ROLES_CLAIM``), and ``aud`` / ``iss`` when those are
configured. No ``kid`` header: keys with ids exist only in a JWKS, which holds
public keys that cannot sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from pytimeparse.timeparse import timeparse

from api.auth import ROLES, SECRET_ALGORITHM, valid_subject
from api.settings import Settings

MAX_TTL = timedelta(days=365)
"""Longest lifetime a development token may have; anything longer is taken for a typo."""


class TokenRefused(Exception):
    """A token cannot be minted; the message says why, in one line, for the command line."""


@dataclass(frozen=True, slots=True)
class MintedToken:
    """A signed token and the moment it expires (UTC, whole seconds)."""

    token: str
    expires_at: datetime


def parse_roles(text: str) -> frozenset[str]:
    """Return the roles of a comma-separated list (``"teller,auditor"``; blanks around names ignored).

    Raises:
        TokenRefused: the list is empty, has an empty item, or names a role that
            :data:`api.auth.ROLES` does not know (the message lists the known ones).
    """
    names = [name.strip() for name in text.split(",")]
    known = ", ".join(sorted(ROLES))
    if not any(names) or "" in names:
        raise TokenRefused(f"--roles must be a comma-separated list of roles ({known})")
    unknown = sorted({name for name in names if name not in ROLES})
    if unknown:
        raise TokenRefused(f"unknown role{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; known roles: {known}")
    return frozenset(names)


def parse_ttl(text: str) -> timedelta:
    """Return the lifetime a human duration names (``15m``, ``1h``, ``1h30m``, ``7d``, ``1:30:00``).

    Parsed by pytimeparse, restricted to ASCII text, a whole number of seconds
    and 1 second to :data:`MAX_TTL`. A bare number is refused: ``3600`` could
    mean seconds or minutes.

    Raises:
        TokenRefused: not a duration, or outside those bounds.
    """
    seconds = timeparse(text) if text.isascii() else None
    if seconds is None:
        raise TokenRefused(f"--ttl {text!r} is not a duration such as 15m, 1h, 1h30m or 7d")
    if seconds != int(seconds):
        raise TokenRefused(f"--ttl {text!r} is not a whole number of seconds")
    if not 1 <= seconds <= MAX_TTL.total_seconds():
        raise TokenRefused(f"--ttl {text!r} must be between 1s and {MAX_TTL.days}d")
    return timedelta(seconds=int(seconds))


def mint_token(settings: Settings, *, subject: str, roles: frozenset[str], ttl: timedelta,
               now: datetime | None = None) -> MintedToken:
    """Return a token for ``subject`` with ``roles``, valid for ``ttl`` from ``now`` (default: the clock).

    Raises:
        TokenRefused: no ``CHRONICLE_JWT_SECRET`` is configured (a PEM or JWKS
            set-up holds only public keys), or ``subject`` is one the verifier refuses.
    """
    if not settings.jwt_secret:
        other = settings.jwt_public_key_file or settings.jwt_jwks_file
        hint = (f"the server verifies RS256 tokens with {other}; sign them with the private key your identity "
                "provider holds" if other else "set CHRONICLE_JWT_SECRET to the secret the server uses "
                "(at least 32 bytes)")
        raise TokenRefused(f"no CHRONICLE_JWT_SECRET is configured ({hint})")
    if not valid_subject(subject):
        raise TokenRefused("--subject must be 1 to 256 printable characters")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    expires = issued + ttl
    claims: dict[str, object] = {"sub": subject, settings.jwt_roles_claim: sorted(roles),
                                 "iat": int(issued.timestamp()), "exp": int(expires.timestamp())}
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    return MintedToken(jwt.encode(claims, settings.jwt_secret, algorithm=SECRET_ALGORITHM), expires)
