"""The one way the hub makes outbound HTTPS calls: verified TLS, bounded time, no secrets
in errors (a URL's query string may carry a SAS token, so messages show only its origin)."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import certifi
import httpx

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_QUERY = re.compile(r"\?\S*")


def trust(ca_bundle: Path | None) -> ssl.SSLContext:
    """Public CAs, plus `ca_bundle` when given. Verification is never turned off."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_bundle is not None:
        context.load_verify_locations(cafile=str(ca_bundle))
    return context


def new_client(ca_bundle: Path | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=trust(ca_bundle), timeout=TIMEOUT, follow_redirects=False)


def origin(url: str) -> str:
    """`https://acct.blob.core.windows.net/c/devices.txt?sv=..&sig=..` → the part before `?`."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def describe(error: httpx.HTTPError) -> str:
    """A short reason that never repeats a query string (it may hold a SAS token)."""
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    text = _QUERY.sub("?...", text)[:200]
    if isinstance(error, httpx.ConnectError):
        return f"connection failed: {text}"
    return f"{type(error).__name__}: {text}"
