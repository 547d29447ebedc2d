"""Sign-in and sign-out: the local administrator's password, or OpenID Connect."""

from __future__ import annotations

import secrets

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from fleethub.web import oidc, templating
from fleethub.web.routing import page_router
from fleethub.web.sessions import Session, User, role_of, sessions_of

router = page_router(public=True)


def safe_next(value: object) -> str:
    """Only a path inside the portal: never another site (`//evil`, `https://...`)."""
    text = value if isinstance(value, str) else ""
    if text.startswith("/ui/") and not text.startswith("//") and "\\" not in text:
        return text
    return "/ui/"


def _page(request: Request, next_url: str, status: int = 200, **context: object) -> Response:
    sessions = sessions_of(request)
    session = sessions.read(request)
    fresh = session is None
    if session is None:  # the form's CSRF token needs a session, even an anonymous one
        session = Session(secrets.token_urlsafe(24))
    request.state.web_session = session
    response = templating.render(request, "signin.html", {"next": next_url, **context}, status)
    if fresh:
        sessions.set_cookie(request, response, session)
    return response


@router.get("/signin", name="signin")
async def signin_form(request: Request, next: str = "/ui/") -> Response:
    session = sessions_of(request).read(request)
    if session is not None and session.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _page(request, safe_next(next))


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await request.form()
    name, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    next_url = safe_next(form.get("next"))
    errors: dict[str, str] = {}
    if not name:
        errors["username"] = "Enter your user name."
    if not password:
        errors["password"] = "Enter your password."  # noqa: S105 - a message, not a secret
    user = None if errors else sessions_of(request).check_password(name, password)
    if user is None:
        if not errors:
            errors["form"] = "The user name or password is wrong."
        return _page(request, next_url, 401 if "form" in errors else 422, errors=errors, name=name)
    response = RedirectResponse(next_url, status_code=303)
    sessions_of(request).issue(request, response, user)  # a new nonce: no session fixation
    return response


@router.post("/signout", name="signout")
async def signout(request: Request) -> Response:
    response = RedirectResponse("/ui/signin", status_code=303)
    sessions_of(request).clear(response)
    return response


def _oidc(request: Request) -> oidc.OidcClient:
    client: oidc.OidcClient = request.app.state.web.oidc
    return client


def _callback_url(request: Request) -> str:
    return str(request.url.replace(path="/ui/signin/oidc/callback", query=""))


@router.get("/signin/oidc", name="signin_oidc")
async def signin_oidc(request: Request, next: str = "/ui/") -> Response:
    client = _oidc(request)
    if not client.config.enabled:
        return _page(
            request, safe_next(next), 404, errors={"form": "OpenID Connect is not set up."}
        )
    try:
        flow = await client.start(_callback_url(request), safe_next(next))
    except oidc.OidcFailed as error:
        return _page(request, safe_next(next), 502, errors={"form": str(error)})
    response = RedirectResponse(flow.url, status_code=303)
    response.set_cookie(
        oidc.COOKIE,
        flow.cookie,
        max_age=oidc.FLOW_SECONDS,
        path="/ui/signin/oidc",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/signin/oidc/callback")
async def signin_oidc_callback(request: Request) -> Response:
    client = _oidc(request)
    try:
        claims, next_url = await client.finish(
            str(request.url), _callback_url(request), request.cookies.get(oidc.COOKIE)
        )
    except oidc.OidcFailed as error:
        return _page(request, "/ui/", 400, errors={"form": f"Sign-in failed: {error}"})
    user = User(oidc.user_name(claims), role_of(claims, client.config.role_claim))
    response = RedirectResponse(safe_next(next_url), status_code=303)
    response.delete_cookie(oidc.COOKIE, path="/ui/signin/oidc")
    sessions_of(request).issue(request, response, user)
    return response
