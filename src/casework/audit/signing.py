"""The Ed25519 key that signs audit checkpoints, kept in a file outside the database.

Whoever can rewrite the database cannot forge a checkpoint without this key, which is what lets
a verifier tell a rewritten history from the real one. The key file is PEM (PKCS#8, unencrypted:
protect it with file permissions or mount it from a secret store). If it is missing it is
generated on first use with 0600 permissions, and that is logged.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

logger = logging.getLogger(__name__)


def signed_head_bytes(*, tree_size: int, root_hash: str, created_at: str) -> bytes:
    """The exact bytes a checkpoint signature covers: compact JSON with sorted keys.

    `created_at` is the canonical instant text (chain.format_instant), `root_hash` lower-case hex.
    """
    head = {"created_at": created_at, "root_hash": root_hash, "tree_size": tree_size}
    return json.dumps(head, separators=(",", ":"), sort_keys=True).encode()


def key_path() -> Path:
    return Path(settings.AUDIT_SIGNING_KEY_FILE)


def load_or_create_private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        _generate(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        # O_EXCL: two processes starting at once must not each write (and use) a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    logger.warning("Generated a new audit signing key at %s (permissions 0600); back it up and keep it secret.", path)


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return key.sign(message).hex()


def verify(*, public_key: str, signature: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(bytes.fromhex(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def trusted_public_keys() -> frozenset[str]:
    """The current key, plus retired keys an operator still trusts (AUDIT_TRUSTED_PUBLIC_KEYS)."""
    extra = getattr(settings, "AUDIT_TRUSTED_PUBLIC_KEYS", ())
    return frozenset({public_key_hex(load_or_create_private_key()), *(key.lower() for key in extra)})
