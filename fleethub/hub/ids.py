"""Identifier rules (Azure's), ETags and generation ids."""

from __future__ import annotations

import base64
import re
import secrets

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


def new_generation_id() -> str:
    """Azure's generationId is an 18-digit number, new for every create."""
    return str(secrets.randbelow(9 * 10**17) + 10**17)


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
