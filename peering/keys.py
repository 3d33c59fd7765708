"""Ed25519 keys: this deployment's own (stored encrypted under a key derived from
SECRET_KEY, so a copy of the database alone signs nothing) and the peers' public ones."""

import base64
import hashlib
import secrets

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _password() -> bytes:
    return hashlib.sha256(b"ewtp-peering-key:" + settings.SECRET_KEY.encode()).digest()


def key_generate() -> tuple[str, str, str]:
    """A new key: (key id, encrypted PKCS#8 PEM, public key as base64url)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_password()),
    ).decode()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key_id = f"{settings.PEERING_DEPLOYMENT}#{secrets.token_hex(4)}"
    return key_id, pem, b64url(public)


def private_key_load(pem: str) -> Ed25519PrivateKey:
    return serialization.load_pem_private_key(pem.encode(), password=_password())


def public_key_load(text: str) -> Ed25519PublicKey:
    """A peer's public key as its officers gave it: 32 bytes, base64url (or base64)."""
    try:
        raw = b64url_decode(text.strip().replace("+", "-").replace("/", "_"))
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, InvalidKey) as error:
        raise ValueError(str(error)) from None
