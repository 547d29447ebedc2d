"""The portal over ASGI: a hub on SQLite (and PostgreSQL), the web face mounted, a browser-
like client that keeps cookies and knows its CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from fleethub import web
from fleethub.app import build_http_app
from fleethub.hub.auth.passwords import hash_password
from fleethub.hub.hub import Hub
from fleethub.metrics import Metrics

PASSWORD = "correct horse battery staple"
SECRET = "test-session-secret-0123456789abcdef"


class Browser:
    """An httpx client with cookies, plus the CSRF token of the page it loaded last."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        response = await self.client.get(url, **kwargs)  # type: ignore[arg-type]
        found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def post(
        self, url: str, data: dict[str, str] | None = None, *, htmx: bool = False
    ) -> httpx.Response:
        headers = {"HX-Request": "true"} if htmx else {}
        return await self.client.post(
            url, data={"csrf_token": self.csrf, **(data or {})}, headers=headers
        )

    async def sign_in(self, password: str = PASSWORD) -> httpx.Response:
        await self.get("/ui/signin")
        response = await self.post("/ui/signin", {"username": "admin", "password": password})
        await self.get("/ui/")
        return response


def web_config(**overrides: object) -> web.WebConfig:
    values: dict[str, object] = {"session_secret": SECRET, "admin_hash": hash_password(PASSWORD)}
    return web.WebConfig(**(values | overrides))  # type: ignore[arg-type]


def portal_app(hub: Hub, config: web.WebConfig) -> object:
    async def ready() -> bool:
        return True

    app = build_http_app(hub, Metrics(), ready)
    web.mount(app, config)
    return app


@pytest.fixture
def config() -> web.WebConfig:
    return web_config()


@pytest.fixture
async def browser(hub: Hub, config: web.WebConfig) -> AsyncIterator[Browser]:
    app = portal_app(hub, config)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://localhost:8443") as client:
        yield Browser(client)


@pytest.fixture
async def signed_in(browser: Browser) -> Browser:
    response = await browser.sign_in()
    assert response.status_code == 303, response.text
    return browser
