"""CSRF protection for every unsafe request to the portal (and to the Portal API when a
browser session authenticates it).

The token is an HMAC of the session's nonce under the session secret, so it needs no storage
and changes at every sign-in. Forms carry it in a hidden ``csrf_token`` field; htmx requests
send it as the ``X-CSRF-Token`` header (base.html sets `hx-headers` on <body>). A request
without a matching token is answered 403.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from fleethub.web.sessions import Session, sessions_of

HEADER = "x-csrf-token"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Exception):
    """The request changes something and its CSRF token is missing or wrong (403)."""


def token_for(secret: str, session: Session) -> str:
    return hmac.new(secret.encode(), f"csrf:{session.nonce}".encode(), hashlib.sha256).hexdigest()


def header_matches(request: Request, session: Session) -> bool:
    secret = sessions_of(request).config.session_secret
    given = request.headers.get(HEADER, "")
    return hmac.compare_digest(given.encode(), token_for(secret, session).encode())


async def protect(request: Request) -> None:
    """Router dependency: unsafe methods need the session's token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    sessions = sessions_of(request)
    session = sessions.read(request)
    if session is None:
        raise CsrfRejected
    expected = token_for(sessions.config.session_secret, session)
    given = request.headers.get(HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            given = value if isinstance(value, str) else None
    if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected
