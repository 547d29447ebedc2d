"""Jinja2 rendering: one environment, `render()` for every page and fragment.

Every template gets `request`, `user` (or None), `csrf_token`, and the filters below;
templates extend base.html (pages) or stand alone (fragments, named with a leading `_`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fleethub.web import csrf
from fleethub.web.sessions import sessions_of

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: dt.datetime | float | None) -> str:
    if value is None:
        return "never"
    if isinstance(value, int | float):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def device_url(device_id: str, *rest: str) -> str:
    return "/".join(["/ui/devices", quote(device_id, safe=""), *rest])


def model_url(model_id: str, *rest: str) -> str:
    return "/".join(["/ui/models", quote(model_id, safe=""), *rest])


def item_url(family: str, item_id: str, *rest: str) -> str:
    """`item_url("gateways", "edge 1", "modules")` → `/ui/gateways/edge%201/modules`."""
    return "/".join([f"/ui/{family}", quote(item_id, safe=""), *rest])


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["pretty"] = _pretty
    env.filters["urlpart"] = lambda value: quote(str(value), safe="")
    env.globals["device_url"] = device_url
    env.globals["model_url"] = model_url
    env.globals["item_url"] = item_url
    return env


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    env: Environment = request.app.state.web.templates
    sessions = sessions_of(request)
    session = getattr(request.state, "web_session", None) or sessions.read(request)
    values: dict[str, Any] = {
        "request": request,
        "user": session.user if session is not None else None,
        "csrf_token": (
            csrf.token_for(sessions.config.session_secret, session) if session is not None else ""
        ),
        "oidc_enabled": sessions.config.oidc.enabled,
        **(context or {}),
    }
    html = env.get_template(name).render(values)
    return HTMLResponse(html, status_code=status, headers=headers)
