"""API tokens, settings and roles (fleethub/web/tokens.py, security.py, access.py): a token
is shown once, deletes confirm, the administrator's password changes, the CA downloads, and
each role is offered (and allowed) only what it may do."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from fleethub import web
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.web.sessions import COOKIE
from tests.web.conftest import PASSWORD, SECRET, Browser, web_config

CA = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
MODEL = "dtmi:acme:thing;1"


@pytest.fixture
def saved_hashes() -> list[str]:
    return []


@pytest.fixture
def config(tmp_path: Path, saved_hashes: list[str]) -> web.WebConfig:
    (tmp_path / "ca.pem").write_bytes(CA)
    return web_config(ca_path=tmp_path / "ca.pem", save_admin_hash=saved_hashes.append)


async def as_role(browser: Browser, role: str) -> Browser:
    """A session for a user with `role` (as OIDC sign-in would make one)."""
    signer = URLSafeTimedSerializer(SECRET, salt="fleethub.portal")
    body = {"n": f"nonce-{role}", "t": int(time.time()), "u": f"{role}-user", "r": role}
    browser.client.cookies.set(COOKIE, signer.dumps(body))
    await browser.get("/ui/")
    return browser


async def test_token_shown_once_and_deleted(signed_in: Browser, hub: Hub) -> None:
    page = await signed_in.get("/ui/tokens")
    assert page.status_code == 200
    assert "No API tokens" in page.text
    bad = await signed_in.post("/ui/tokens", {"token_id": "", "role": "king", "days": "0"})
    assert bad.status_code == 422
    for field in ("token_id", "role", "days"):
        assert f'id="{field}-error"' in bad.text
    made = await signed_in.post("/ui/tokens", {"token_id": "billing", "role": "operator"})
    assert made.status_code == 200
    assert "shown this once" in made.text
    assert "SharedAccessSignature sr=" in made.text
    token = made.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    principal = await hub.api_tokens.authenticate(token.replace("&amp;", "&"))
    assert principal.name == "apiToken:billing"
    listed = await signed_in.get("/ui/tokens")
    assert "SharedAccessSignature sr=" not in listed.text
    assert "billing" in listed.text
    assert "operator" in listed.text
    assert 'hx-confirm="Delete the token billing?' in listed.text
    again = await signed_in.post("/ui/tokens", {"token_id": "billing", "role": "operator"})
    assert again.status_code == 422
    gone = await signed_in.post("/ui/tokens/billing/delete")
    assert gone.status_code == 303
    assert await hub.api_tokens.list(SYSTEM) == []


async def test_settings_password_and_ca(signed_in: Browser, saved_hashes: list[str]) -> None:
    page = await signed_in.get("/ui/settings")
    assert page.status_code == 200
    assert "OpenID Connect" in page.text
    assert "Not configured" in page.text
    ca = await signed_in.get("/ui/settings/ca.pem")
    assert ca.content == CA
    assert "attachment" in ca.headers["content-disposition"]
    wrong = await signed_in.post(
        "/ui/settings/password", {"current": "nope", "new": "short", "again": "short"}
    )
    assert wrong.status_code == 422
    assert 'id="current-error"' in wrong.text
    assert 'id="new-error"' in wrong.text
    differ = await signed_in.post(
        "/ui/settings/password",
        {"current": PASSWORD, "new": "a long new passphrase", "again": "another one entirely"},
    )
    assert 'id="again-error"' in differ.text
    new = "a long new passphrase"
    done = await signed_in.post(
        "/ui/settings/password", {"current": PASSWORD, "new": new, "again": new}
    )
    assert done.status_code == 200
    assert "Password changed" in done.text
    assert len(saved_hashes) == 1
    await signed_in.post("/ui/signout")
    assert (await signed_in.sign_in(PASSWORD)).status_code == 401
    assert (await signed_in.sign_in(new)).status_code == 303


async def test_operator_reads_but_cannot_build(browser: Browser, hub: Hub) -> None:
    await hub.models.put(
        SYSTEM,
        MODEL,
        {"@id": MODEL, "@type": "Interface", "@context": "dtmi:dtdl:context;3", "contents": []},
    )
    operator = await as_role(browser, "operator")
    home = await operator.get("/ui/")
    assert "operator-user" in home.text
    assert 'href="/ui/tokens"' not in home.text
    models = await operator.get("/ui/models")
    assert models.status_code == 200
    assert "New model" not in models.text
    model = await operator.get("/ui/models/dtmi%3Aacme%3Athing%3B1")
    assert "Save model" not in model.text
    assert "Delete model" not in model.text
    configs = await operator.get("/ui/configurations")
    assert "New configuration" not in configs.text
    refused = {
        "/ui/models": {"name": "X", "model_id": "dtmi:x:y;1", "start": "blank"},
        "/ui/models/dtmi%3Aacme%3Athing%3B1/document": {"document": "{}"},
        "/ui/models/dtmi%3Aacme%3Athing%3B1/delete": {},
        "/ui/configurations": {"kind": "device", "config_id": "c", "content": "{}"},
        "/ui/tokens": {"token_id": "t", "role": "administrator"},
        "/ui/settings/password": {"current": "x", "new": "y", "again": "y"},
    }
    for path, form in refused.items():
        answer = await operator.post(path, form)
        assert answer.status_code == 403, path
        assert "Your role does not allow this" in answer.text
    assert (await operator.get("/ui/tokens")).status_code == 403
    assert (await operator.get("/ui/jobs")).status_code == 200  # operators run jobs
    assert await hub.models.find("dtmi:x:y;1") is None


async def test_builder_builds_but_has_no_tokens(browser: Browser, hub: Hub) -> None:
    builder = await as_role(browser, "builder")
    models = await builder.get("/ui/models")
    assert "New model" in models.text
    made = await builder.post("/ui/models", {"name": "B", "model_id": MODEL, "start": "blank"})
    assert made.status_code == 303
    configs = await builder.get("/ui/configurations")
    assert "New configuration" in configs.text
    assert 'href="/ui/tokens"' not in configs.text
    assert (await builder.get("/ui/tokens")).status_code == 403
    settings = await builder.get("/ui/settings")
    assert "Change your password" not in settings.text
