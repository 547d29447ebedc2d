"""Identifier rules (Azure's), ETags and generation ids."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable

from fleethub.hub.errors import ArgumentInvalid

# Azure: up to 128 characters of ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ ' # +
_ID = re.compile(r"^[A-Za-z0-9\-.%_*?!(),:=@$'#+]{1,128}$")
# Module ids allow the same set except '#' is fine too; Azure documents the same rule.
_THUMBPRINT = re.compile(r"^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")


def check_device_id(device_id: str) -> str:
    if not _ID.match(device_id):
        raise ArgumentInvalid(
            f"Device id '{device_id[:140]}' is invalid: use 1-128 ASCII letters, digits or "
            "- . % _ * ? ! ( ) , : = @ $ ' # +"
        )
    return device_id


def check_module_id(module_id: str) -> str:
    if not _ID.match(module_id):
        raise ArgumentInvalid(
            f"Module id '{module_id[:140]}' is invalid: use 1-128 ASCII letters, digits or "
            "- . % _ * ? ! ( ) , : = @ $ ' # +"
        )
    return module_id


def check_thumbprint(value: str) -> str:
    """SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint; stored upper-case without colons."""
    cleaned = value.replace(":", "").strip()
    if not _THUMBPRINT.match(cleaned):
        raise ArgumentInvalid(f"Thumbprint '{value[:80]}' is not 40 or 64 hexadecimal digits.")
    return cleaned.upper()


def check_sas_key(key: str) -> str:
    """Azure accepts base64 keys of 16 to 64 bytes."""
    try:
        raw = base64.b64decode(key, validate=True)
    except ValueError:
        raise ArgumentInvalid("A symmetric key is not valid base64.") from None
    if not 16 <= len(raw) <= 64:
        raise ArgumentInvalid("A symmetric key must decode to between 16 and 64 bytes.")
    return key


#: Takes n random bytes: `secrets.token_bytes`, or `RandomBytes.take` for a bulk request.
Draw = Callable[[int], bytes]

_GENERATION_IDS = 9 * 10**17
#: The largest multiple of _GENERATION_IDS below 2**64: 8 bytes under it map uniformly.
_UNBIASED = 2**64 // _GENERATION_IDS * _GENERATION_IDS


def new_generation_id(draw: Draw | None = None) -> str:
    """Azure's generationId is an 18-digit number, new for every create."""
    if draw is not None:
        n = int.from_bytes(draw(8))
        if n < _UNBIASED:  # 97.6% of draws; the rest would bias the low numbers
            return str(n % _GENERATION_IDS + 10**17)
    return str(secrets.randbelow(_GENERATION_IDS) + 10**17)


class RandomBytes:
    """Random bytes from the OS in one call, handed out in slices.

    `Registry.new_identities` draws a bulk request's keys and generation ids from one buffer.
    """

    __slots__ = ("_at", "_buffer")

    def __init__(self, size: int) -> None:
        self._buffer = secrets.token_bytes(size)
        self._at = 0

    def take(self, size: int) -> bytes:
        end = self._at + size
        if end > len(self._buffer):
            self._buffer, self._at, end = secrets.token_bytes(max(size, 4096)), 0, size
        chunk = self._buffer[self._at : end]
        self._at = end
        return chunk


def identity_etag(seq: int) -> str:
    """Device/module ETag, e.g. seq 1 -> 'MQ==' (base64 of the decimal counter)."""
    return base64.b64encode(str(seq).encode()).decode()


def twin_etag(version: int) -> str:
    """Twin ETag, e.g. version 1 -> 'AAAAAAAAAAE=' (base64 of 8 bytes big-endian)."""
    return base64.b64encode(version.to_bytes(8, "big")).decode()


def normalize_if_match(value: str | None) -> str | None:
    """Strip ``W/`` and quotes: ``"*"``, ``"AAA="`` and ``MQ==`` all arrive (wire spec §6.2)."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value or None
