"""Who is signed in: signed session cookies, the local administrator's password check, roles.

The cookie (``fleethub_session``) holds a random nonce, and once signed in the user's name
and role, signed with itsdangerous (HMAC-SHA1 over the hub's session secret) and time-stamped.
It is HttpOnly, SameSite=Lax, and Secure whenever the request came over https (the hub always
serves https). The nonce also keys the CSRF token (csrf.py) and is replaced at sign-in.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from fleethub.hub.auth import roles
from fleethub.hub.auth.passwords import hash_password, verify_password
from fleethub.hub.auth.principal import Permission, Principal
from fleethub.web.config import WebConfig

COOKIE = "fleethub_session"
#: Portal role → IoT Central role id (hub/auth/roles.py), whose permissions the user gets.
ROLE_IDS = {
    "administrator": roles.ADMINISTRATOR,
    "builder": roles.BUILDER,
    "operator": roles.OPERATOR,
}
#: Compared against when the user name is unknown, so both paths cost one argon2 verify.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str  # administrator | builder | operator

    @property
    def permissions(self) -> Permission:
        return roles.ROLES[ROLE_IDS[self.role]][1]

    @property
    def principal(self) -> Principal:
        return Principal(name=f"portal:{self.name}", permissions=self.permissions)

    def can(self, permission: str) -> bool:
        """`user.can("MODELS_WRITE")`: for templates deciding what to offer."""
        return Permission[permission] in self.permissions


@dataclass(frozen=True, slots=True)
class Session:
    nonce: str
    user: User | None = None


class SignInRequired(Exception):
    """Raised by `current_user` when nobody is signed in; routing.py redirects to sign-in."""


class Sessions:
    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self._signer = URLSafeTimedSerializer(config.session_secret, salt="fleethub.portal")
        #: The administrator's password hash; the settings page may change it while serving.
        self.admin_hash = config.admin_hash

    def read(self, request: Request) -> Session | None:
        text = request.cookies.get(COOKIE)
        if not text:
            return None
        try:
            data = self._signer.loads(text, max_age=self.config.session_seconds)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("n"), str):
            return None
        user = None
        if isinstance(data.get("u"), str) and data.get("r") in ROLE_IDS:
            user = User(data["u"], data["r"])
        return Session(data["n"], user)

    def issue(self, request: Request, response: Response, user: User | None) -> Session:
        """Start a new session (a fresh nonce) and set its cookie on `response`."""
        session = Session(secrets.token_urlsafe(24), user)
        self.set_cookie(request, response, session)
        return session

    def set_cookie(self, request: Request, response: Response, session: Session) -> None:
        body: dict[str, object] = {"n": session.nonce, "t": int(time.time())}
        if session.user is not None:
            body |= {"u": session.user.name, "r": session.user.role}
        response.set_cookie(
            COOKIE,
            self._signer.dumps(body),
            max_age=self.config.session_seconds,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")

    def check_password(self, name: str, password: str) -> User | None:
        """The local administrator, if `name` and `password` are theirs."""
        known = self.admin_hash is not None and hmac.compare_digest(
            name.encode(), self.config.admin_user.encode()
        )
        ok = verify_password((known and self.admin_hash) or _DUMMY_HASH, password)
        return User(self.config.admin_user, "administrator") if known and ok else None


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.web.sessions
    return sessions


async def current_user(request: Request) -> User:
    """FastAPI dependency: the signed-in user, or SignInRequired."""
    session = sessions_of(request).read(request)
    if session is None or session.user is None:
        raise SignInRequired
    return session.user


def role_of(claims: dict[str, object], claim: str) -> str:
    """The highest portal role an OIDC ID token's claim names ("roles": ["builder"])."""
    value = claims.get(claim)
    named = {value} if isinstance(value, str) else set(value) if isinstance(value, list) else set()
    for role in ("administrator", "builder"):
        if role in named:
            return role
    return "operator"
