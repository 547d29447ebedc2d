"""Settings: who can sign in (the local administrator, OpenID Connect users), the OpenID
Connect settings in force, the local administrator's password, and the hub's TLS CA for
download (devices and back ends must trust it).

Named `security.py`, not `settings.py`: that name is the hub's Settings object.
OIDC users are not stored: each sign-in reads their role from the identity provider's token.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from fleethub.hub.auth.passwords import hash_password
from fleethub.web import access, templating
from fleethub.web.forms import FormErrors
from fleethub.web.routing import UserDep, page_router
from fleethub.web.sessions import User, sessions_of

router = page_router()
MIN_PASSWORD = 12


def settings_context(request: Request, user: User) -> dict[str, Any]:
    sessions = sessions_of(request)
    config = sessions.config
    host = request.url.netloc or "localhost"
    return {
        "oidc": config.oidc,
        "redirect_uri": f"https://{host}/ui/signin/oidc/callback",
        "admin_user": config.admin_user,
        "admin_enabled": sessions.admin_hash is not None,
        "is_local_admin": user.name == config.admin_user and user.role == "administrator",
        "can_change_password": config.save_admin_hash is not None,
        "has_ca": config.ca_path is not None and config.ca_path.exists(),
        "errors": FormErrors(),
    }


@router.get("/settings", name="settings")
async def settings(request: Request, user: UserDep) -> HTMLResponse:
    return templating.render(request, "settings.html", settings_context(request, user))


@router.get("/settings/ca.pem", name="settings_ca")
async def ca_certificate(request: Request, user: UserDep) -> Response:
    path = sessions_of(request).config.ca_path
    if path is None or not path.exists():
        return Response("This hub does not offer its CA here.", status_code=404)
    headers = {"Content-Disposition": 'attachment; filename="fleethub-ca.pem"'}
    return Response(path.read_bytes(), media_type="application/x-pem-file", headers=headers)


def _check_passwords(request: Request, user: User, form: dict[str, str]) -> FormErrors:
    errors = FormErrors()
    sessions = sessions_of(request)
    if sessions.check_password(user.name, form["current"]) is None:
        errors["current"] = "This is not your current password."
    if len(form["new"]) < MIN_PASSWORD:
        errors["new"] = f"Use at least {MIN_PASSWORD} characters; a few random words are good."
    elif form["new"] != form["again"]:
        errors["again"] = "The two new passwords differ."
    return errors


@router.post("/settings/password", name="settings_password")
async def change_password(request: Request, user: UserDep) -> Response:
    """The local administrator's password: argon2 hash into hub.json via app.py's callback."""
    access.require(user, access.ADMINISTER)
    context = settings_context(request, user)
    raw = await request.form()
    form = {key: str(raw.get(key, "")) for key in ("current", "new", "again")}
    if not context["is_local_admin"]:
        context["errors"] = FormErrors(form="Only the local administrator has a password here.")
        return templating.render(request, "_settings_password.html", context, 403)
    save = sessions_of(request).config.save_admin_hash
    errors = _check_passwords(request, user, form)
    if save is None:
        errors["form"] = "Run `fleethub init --portal-admin-password` on the hub to change it."
    if errors or save is None:
        return templating.render(
            request, "_settings_password.html", context | {"errors": errors}, 422
        )
    new_hash = hash_password(form["new"])
    save(new_hash)
    sessions_of(request).admin_hash = new_hash
    context["notice"] = "Password changed; use it from your next sign-in."
    return templating.render(request, "_settings_password.html", context)
