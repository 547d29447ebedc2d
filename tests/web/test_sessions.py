"""Sign-in, sessions, sign-out, roles and the Portal API seam (fleethub/web/sessions.py)."""

from __future__ import annotations

import httpx
import pytest

from fleethub.hub.hub import Hub
from fleethub.web import sessions
from fleethub.web.signin import safe_next
from tests.web.conftest import PASSWORD, Browser


async def test_pages_redirect_to_sign_in_and_back(browser: Browser) -> None:
    response = await browser.get("/ui/devices?status=enabled")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/signin?next=%2Fui%2Fdevices%3Fstatus%3Denabled"
    page = await browser.get(response.headers["location"])
    assert page.status_code == 200
    assert 'name="next" value="/ui/devices?status=enabled"' in page.text
    signed = await browser.post(
        "/ui/signin",
        {"username": "admin", "password": PASSWORD, "next": "/ui/devices?status=enabled"},
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/ui/devices?status=enabled"


async def test_root_redirects_to_the_portal(browser: Browser) -> None:
    response = await browser.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/ui/"


async def test_session_cookie_is_httponly_lax_and_secure(browser: Browser) -> None:
    response = await browser.sign_in()
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie


async def test_wrong_password_and_missing_fields(browser: Browser) -> None:
    await browser.get("/ui/signin")
    wrong = await browser.post("/ui/signin", {"username": "admin", "password": "nope"})
    assert wrong.status_code == 401
    assert "The user name or password is wrong." in wrong.text
    assert PASSWORD not in wrong.text
    empty = await browser.post("/ui/signin", {"username": "", "password": ""})
    assert empty.status_code == 422
    assert 'id="username-error"' in empty.text
    assert 'id="password-error"' in empty.text
    unknown = await browser.post("/ui/signin", {"username": "root", "password": PASSWORD})
    assert unknown.status_code == 401


async def test_sign_out_ends_the_session(signed_in: Browser) -> None:
    assert (await signed_in.get("/ui/")).status_code == 200
    response = await signed_in.post("/ui/signout")
    assert response.status_code == 303
    assert (await signed_in.get("/ui/")).status_code == 303


async def test_a_tampered_cookie_is_no_session(signed_in: Browser) -> None:
    value = signed_in.client.cookies[sessions.COOKIE]
    signed_in.client.cookies = httpx.Cookies({sessions.COOKIE: value[:-2] + "xx"})
    assert (await signed_in.get("/ui/")).status_code == 303


async def test_sign_in_rotates_the_session(browser: Browser) -> None:
    await browser.get("/ui/signin")
    before = browser.client.cookies[sessions.COOKIE]
    await browser.post("/ui/signin", {"username": "admin", "password": PASSWORD})
    assert browser.client.cookies[sessions.COOKIE] != before


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/ui/devices", "/ui/devices"),
        ("//evil.example/ui/", "/ui/"),
        ("https://evil.example/", "/ui/"),
        ("/api/x", "/ui/"),
        (None, "/ui/"),
    ],
)
def test_next_stays_inside_the_portal(given: object, expected: str) -> None:
    assert safe_next(given) == expected


def test_roles_grant_what_iot_central_roles_grant() -> None:
    operator = sessions.User("o", "operator")
    builder = sessions.User("b", "builder")
    admin = sessions.User("a", "administrator")
    assert not operator.can("MODELS_WRITE")
    assert builder.can("MODELS_WRITE")
    assert not builder.can("API_TOKENS")
    assert admin.can("API_TOKENS")
    assert operator.can("REGISTRY_WRITE")
    assert sessions.role_of({"roles": ["builder", "x"]}, "roles") == "builder"
    assert sessions.role_of({"roles": "administrator"}, "roles") == "administrator"
    assert sessions.role_of({}, "roles") == "operator"


async def test_the_portal_api_accepts_a_signed_in_browser(signed_in: Browser, hub: Hub) -> None:
    """The seam of api/portal/auth.py: a session cookie authenticates /api reads; unsafe
    methods also need the CSRF header (else the cookie alone does not count: 401)."""
    listed = await signed_in.client.get("/api/devices")
    assert listed.status_code == 200, listed.text
    no_header = await signed_in.client.post("/api/devices", json={})
    assert no_header.status_code == 401
    anonymous = httpx.AsyncClient(transport=signed_in.client._transport, base_url="https://x")
    async with anonymous:
        assert (await anonymous.get("/api/devices")).status_code == 401
