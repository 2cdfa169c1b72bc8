"""Who is asking: JWT bearer tokens (PyJWT) turned into a :class:`Principal`.

Tokens are verified with ONE configured key source (``CHRONICLE_JWT_SECRET``
for HS256, ``CHRONICLE_JWT_PUBLIC_KEY_FILE`` or ``CHRONICLE_JWT_JWKS_FILE`` for
RS256). A token's ``kid`` header must name a configured key: only JWKS keys
have ids, so a token with a ``kid`` is refused under a secret or a PEM key, and
under a JWKS one with an id not in the set. A token without ``kid`` is
verified with the only key (secret, PEM, or a JWKS of one key); a JWKS of
several keys needs the ``kid``. A token must carry ``sub`` and ``exp``; ``aud`` / ``iss`` are checked
when configured. Roles come from the roles claim (a list of strings, or one
space-separated string). Where a client sends the token:

- HTTP: ``Authorization: Bearer <token>``;
- WebSocket: the ``connection_init`` payload, as ``{"Authorization": "Bearer <token>"}``
  or ``{"authToken": "<token>"}``; without either, the handshake's
  ``Authorization`` header is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

import jwt

from api.settings import Settings
from core.text import is_plain_text

TELLER = "teller"
AUDITOR = "auditor"
ADMIN = "admin"
ROLES = frozenset({TELLER, AUDITOR, ADMIN})

MAX_TOKEN_LENGTH = 8192
"""Longest token accepted (characters); longer ones are refused before decoding."""

SECRET_ALGORITHM = "HS256"
"""The algorithm of tokens signed with ``CHRONICLE_JWT_SECRET`` (``chronicle token`` signs with it too)."""

MAX_SUBJECT_LENGTH = 256
"""Longest ``sub`` accepted (characters)."""


def valid_subject(subject: object) -> TypeGuard[str]:
    """Whether ``subject`` may be a token's ``sub``: a string of 1 to 256 printable characters."""
    return isinstance(subject, str) and 0 < len(subject) <= MAX_SUBJECT_LENGTH and is_plain_text(subject)


class AuthenticationFailed(Exception):
    """The credentials are missing, malformed, expired or wrongly signed.

    Attributes:
        reason: a short client-safe explanation.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: its subject (the ``actor`` of its events), roles, and
    when its token expires (``exp``, seconds since the epoch; ``None`` for anonymous
    access). WebSocket sessions end then (:mod:`api.subscriptions.session`)."""

    subject: str
    roles: frozenset[str]
    expires_at: float | None = None

    def has_any(self, roles: frozenset[str]) -> bool:
        """Whether the caller holds at least one of ``roles`` (``admin`` holds them all)."""
        return ADMIN in self.roles or not self.roles.isdisjoint(roles)


ANONYMOUS = Principal("anonymous", ROLES)
"""The development-mode caller used when anonymous access is allowed."""


class TokenVerifier:
    """Verifies bearer tokens against the key configured in ``settings``.

    Raises:
        ValueError: at construction, when the key files cannot be read or parsed.
    """

    def __init__(self, settings: Settings) -> None:
        self._audience = settings.jwt_audience
        self._issuer = settings.jwt_issuer
        self._roles_claim = settings.jwt_roles_claim
        self._keys: dict[str | None, Any] = {}
        if settings.jwt_secret:
            self._algorithms = [SECRET_ALGORITHM]
            self._keys[None] = settings.jwt_secret
        elif settings.jwt_public_key_file:
            self._algorithms = ["RS256"]
            self._keys[None] = _load_pem(settings.jwt_public_key_file.read_bytes())
        elif settings.jwt_jwks_file:
            self._algorithms = ["RS256"]
            keyset = jwt.PyJWKSet.from_dict(json.loads(settings.jwt_jwks_file.read_text()))
            for key in keyset.keys:
                self._keys[key.key_id] = key.key
            if len(keyset.keys) == 1:
                self._keys[None] = keyset.keys[0].key
        else:
            raise ValueError("no JWT key configured")

    def verify(self, token: str) -> Principal:
        """Return the principal a valid token names.

        Raises:
            AuthenticationFailed: malformed, expired, not yet valid, wrongly
                signed, wrong audience/issuer, or missing ``sub``.
        """
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed("token too long")
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(header.get("kid"))
            if key is None:  # a kid we do not hold, or none where several keys need one
                raise AuthenticationFailed("unknown signing key")
            claims = jwt.decode(token, key, algorithms=self._algorithms, audience=self._audience,
                                issuer=self._issuer, options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("token expired") from None
        except jwt.InvalidTokenError as error:
            raise AuthenticationFailed(f"invalid token: {error}") from None
        subject = claims.get("sub")
        if not valid_subject(subject):
            raise AuthenticationFailed("invalid token: sub must be 1 to 256 printable characters")
        return Principal(subject, _roles(claims.get(self._roles_claim)), float(claims["exp"]))


def _load_pem(pem: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        return load_pem_public_key(pem)
    except ValueError as error:
        raise ValueError(f"CHRONICLE_JWT_PUBLIC_KEY_FILE is not a PEM public key: {error}") from None


def _roles(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str))
    return frozenset()


def bearer_token(authorization: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` value (``None`` when absent).

    Raises:
        AuthenticationFailed: the value is present but not a bearer token.
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Authorization must be 'Bearer <token>'")
    return token.strip()


def connection_token(payload: Mapping[str, object] | None) -> str | None:
    """Return the token of a WebSocket ``connection_init`` payload (``None`` when absent).

    Raises:
        AuthenticationFailed: a token field is present but malformed.
    """
    if not payload:
        return None
    if "authToken" in payload:
        token = payload["authToken"]
        if not isinstance(token, str) or not token:
            raise AuthenticationFailed("authToken must be a non-empty string")
        return token
    header = payload.get("Authorization", payload.get("authorization"))
    if header is None:
        return None
    if not isinstance(header, str):
        raise AuthenticationFailed("Authorization must be 'Bearer <token>'")
    return bearer_token(header)


class Authenticator:
    """Turns a token (or its absence) into a principal, per the settings.

    Args:
        settings: JWT key source and whether anonymous callers are allowed.
    """

    def __init__(self, settings: Settings) -> None:
        self._verifier = TokenVerifier(settings) if settings.jwt_configured else None
        self.allow_anonymous = bool(settings.allow_anonymous)

    def authenticate(self, token: str | None) -> Principal:
        """Return the caller for ``token``.

        Raises:
            AuthenticationFailed: no token while anonymous access is off, or a bad token.
        """
        if token is None:
            if self.allow_anonymous:
                return ANONYMOUS
            raise AuthenticationFailed("authentication required: send 'Authorization: Bearer <token>'")
        if self._verifier is None:
            if self.allow_anonymous:
                return ANONYMOUS
            raise AuthenticationFailed("no token verification key is configured")
        return self._verifier.verify(token)
