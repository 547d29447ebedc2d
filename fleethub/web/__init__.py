"""The web portal (FACE): server-rendered pages under /ui/ for people, built on the hub's
services like every other face. `mount(app, config)` adds it to the one HTTPS app.

Layout: config.py (what app.py hands in), sessions.py (cookies, users, roles), csrf.py,
routing.py (`page_router()` for every page family), templating.py, errors.py, access.py
(what each role may do), and one router module per page family (overview, devices, device,
twin, telemetry, messaging, commands, signin; models, model_editor, model_lorawan, gateways,
concentrators, configurations, jobs, imports, tokens, security). docs/web.md says how to add
a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment

from fleethub.hub.auth.principal import Principal
from fleethub.hub.hub import Hub
from fleethub.web import (
    commands,
    concentrators,
    configurations,
    csrf,
    device,
    devices,
    gateways,
    imports,
    jobs,
    messaging,
    model_editor,
    model_lorawan,
    models,
    overview,
    security,
    signin,
    telemetry,
    templating,
    tokens,
    twin,
)
from fleethub.web.activity import Activity
from fleethub.web.config import OidcConfig, WebConfig
from fleethub.web.oidc import OidcClient
from fleethub.web.routing import page_router
from fleethub.web.sessions import Sessions

__all__ = ["OidcConfig", "Portal", "WebConfig", "mount"]

STATIC = Path(__file__).parent / "static"
#: The app.state attribute the Portal API reads a browser session from (api/portal/auth.py).
PORTAL_SESSIONS = "portal_sessions"
PAGES = (
    *(signin, overview, devices, device, twin, telemetry, messaging, commands),
    *(models, model_editor, model_lorawan, gateways, concentrators, configurations),
    *(jobs, imports, tokens, security),
)


@dataclass
class Portal:
    """What every portal route reaches through `request.app.state.web`."""

    config: WebConfig
    sessions: Sessions
    templates: Environment
    activity: Activity
    oidc: OidcClient

    async def principal(self, request: Request) -> Principal | None:
        """A signed-in browser's Principal for the Portal API; unsafe methods also need the
        CSRF header, so another site cannot drive the API with the user's cookie."""
        session = self.sessions.read(request)
        if session is None or session.user is None:
            return None
        if request.method not in csrf.SAFE_METHODS and not csrf.header_matches(request, session):
            return None
        return session.user.principal


def mount(app: FastAPI, config: WebConfig) -> Portal:
    hub: Hub = app.state.hub
    portal = Portal(
        config=config,
        sessions=Sessions(config),
        templates=templating.environment(),
        activity=Activity(),
        oidc=OidcClient(config.oidc, config.session_secret, config.http_transport),
    )
    portal.activity.attach(hub)
    app.state.web = portal
    setattr(app.state, PORTAL_SESSIONS, portal.principal)
    for module in PAGES:
        app.include_router(module.router, prefix="/ui")
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    app.include_router(_fallback(), prefix="/ui")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    return portal


def _fallback() -> APIRouter:
    router = page_router(public=True)

    @router.get("/{rest:path}")
    async def not_found(request: Request, rest: str) -> HTMLResponse:
        context = {"status": 404, "title": "No such page", "message": f"/ui/{rest[:200]}"}
        return templating.render(request, "error.html", context, status=404)

    return router
