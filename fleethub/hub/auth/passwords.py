"""Passwords of portal users (the local administrator `fleethub init` creates): argon2id
hashes only, never the password; verification is constant-time inside argon2."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
#: Shortest password a person may choose (generated ones are longer).
MIN_LENGTH = 12


def new_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def hash_password(password: str) -> str:
    """An argon2id hash in PHC form, e.g. ``$argon2id$v=19$m=65536,t=3,p=4$...``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
