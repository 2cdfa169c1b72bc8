"""Signed tree heads: the log's Merkle root signed with Ed25519 (``cryptography``).

What is signed (:func:`digest_message`), UTF-8, one field a line::

    chronicle-log-digest/v1
    <treeSize>
    <rootHash, lowercase hex>
    <signedAt, ISO-8601 UTC with microseconds and Z>

``keyId`` is the lowercase hex SHA-256 of the raw 32-byte public key, so an
auditor pins the key once and recognises a rotated one. The private key is
a PKCS#8 PEM file (``CHRONICLE_LOG_SIGNING_KEY_FILE``); when that setting is
unset, development mode uses ``./data/log-signing-key.pem`` and creates it
(mode 0600) on first start, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.merkle import canonical_time

DEVELOPMENT_KEY_FILE = Path("data") / "log-signing-key.pem"
log = logging.getLogger("chronicle")


def digest_message(tree_size: int, root: bytes, signed_at: datetime) -> bytes:
    """Return the bytes a tree head's signature covers (see the module docstring)."""
    return f"chronicle-log-digest/v1\n{tree_size}\n{root.hex()}\n{canonical_time(signed_at)}\n".encode()


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return the lowercase hex SHA-256 of the raw public key."""
    return hashlib.sha256(public_key.public_bytes_raw()).hexdigest()


def verify_digest(public_key: Ed25519PublicKey, tree_size: int, root: bytes, signed_at: datetime,
                  signature: bytes) -> bool:
    """Return whether ``signature`` signs this tree head with ``public_key`` (what an auditor runs)."""
    try:
        public_key.verify(signature, digest_message(tree_size, root, signed_at))
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class LogSigner:
    """Signs tree heads with one Ed25519 key.

    Attributes:
        key_id: :func:`key_id` of the public key.
        public_key_hex: the raw public key, lowercase hex (32 bytes).
    """

    private_key: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        return key_id(self.private_key.public_key())

    @property
    def public_key_hex(self) -> str:
        return self.private_key.public_key().public_bytes_raw().hex()

    def sign(self, tree_size: int, root: bytes, signed_at: datetime) -> bytes:
        """Return the 64-byte Ed25519 signature of :func:`digest_message`."""
        return self.private_key.sign(digest_message(tree_size, root, signed_at))

    @classmethod
    def load(cls, key_file: Path | None) -> LogSigner:
        """Read the PEM private key at ``key_file``; with ``None``, the development key (created if missing).

        Raises:
            ValueError: the file is missing, unreadable, or not an Ed25519 private key.
        """
        if key_file is None:
            key_file = DEVELOPMENT_KEY_FILE
            if not key_file.exists():
                _create(key_file)
        try:
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as error:
            raise ValueError(f"cannot read the log signing key {key_file}: {error}") from error
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"the log signing key {key_file} is not an Ed25519 private key")
        return cls(key)


def _create(path: Path) -> None:
    """Write a new Ed25519 private key to ``path`` (PKCS#8 PEM, mode 0600), atomically: the key is
    written to a temporary file and hard-linked into place, so a concurrent start reads a whole key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    try:
        os.link(temporary, path)
    except FileExistsError:  # another process won the race: use its key
        return
    finally:
        temporary.unlink()
    log.warning("generated a new log signing key in %s (development only: set CHRONICLE_LOG_SIGNING_KEY_FILE "
                "in production and keep its key id with your auditors)", path)
