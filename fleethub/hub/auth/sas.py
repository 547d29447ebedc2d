"""Shared access signatures: build, parse and verify (constant time).

One check serves every producer: HMAC-SHA256(b64decode(key), sr-as-sent + "\\n" + se) compared
with the URL-decoded sig. The device SDK, the service SDK and AMQP CBS encode `sr` differently,
so the string signed is always the `sr` exactly as received (wire spec §3.1).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from fleethub.hub.errors import Unauthorized

PREFIX = "SharedAccessSignature "


@dataclass(frozen=True, slots=True)
class SasToken:
    sr: str
    """The resource exactly as sent (still percent-encoded where the producer encoded it)."""
    sig: str
    """The signature, URL-decoded (base64 text)."""
    se: int
    skn: str | None

    @property
    def resource(self) -> str:
        """The decoded resource, e.g. ``myhub.example.net/devices/d1``."""
        return unquote(self.sr)


def parse(text: str) -> SasToken:
    """Parse ``SharedAccessSignature sr=..&sig=..&se=..[&skn=..]`` (fields in any order)."""
    if not text.startswith(PREFIX):
        raise Unauthorized("The token is not a SharedAccessSignature.")
    fields: dict[str, str] = {}
    for part in text[len(PREFIX) :].strip().split("&"):
        key, sep, value = part.partition("=")
        if not sep or key in fields:
            raise Unauthorized("The SharedAccessSignature is malformed.")
        fields[key] = value
    try:
        se = int(fields["se"])
        return SasToken(sr=fields["sr"], sig=unquote(fields["sig"]), se=se, skn=fields.get("skn"))
    except (KeyError, ValueError):
        raise Unauthorized("The SharedAccessSignature lacks sr, sig or se.") from None


def sign(key: str, sr: str, se: int) -> str:
    """The base64 signature of ``sr + "\\n" + se`` under a base64 key."""
    digest = hmac.new(_key_bytes(key), f"{sr}\n{se}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(token: SasToken, keys: list[str], now: float) -> None:
    """Raise Unauthorized unless the token is unexpired and signed by one of the keys."""
    if token.se <= now:
        raise Unauthorized("The SharedAccessSignature has expired.")
    given = token.sig.encode()
    ok = False
    for key in keys:
        # Check every key so the time taken does not tell which one matched.
        ok |= hmac.compare_digest(sign(key, token.sr, token.se).encode(), given)
    if not ok:
        raise Unauthorized("The SharedAccessSignature does not verify.")


def build(resource: str, key: str, expiry: int, policy: str | None = None) -> str:
    """A token as the device SDK builds it: resource quoted with ``safe=""``."""
    sr = quote(resource, safe="")
    token = f"{PREFIX}sr={sr}&sig={quote(sign(key, sr, expiry), safe='')}&se={expiry}"
    return f"{token}&skn={policy}" if policy else token


def new_key(size: int = 32, draw: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh random base64 key (Azure generates 32-byte keys); `draw` gives the bytes."""
    return base64.b64encode(draw(size)).decode()


def _key_bytes(key: str) -> bytes:
    try:
        return base64.b64decode(key, validate=True)
    except binascii.Error:
        raise Unauthorized("A key is not valid base64.") from None
