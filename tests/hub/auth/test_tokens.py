"""IoT Central API tokens: roles → permissions (the matrix), hashing at rest, every way a
header can fail, and the one-time adoption of the token `fleethub init` minted."""

from __future__ import annotations

import pytest

from fleethub.hub.auth.principal import SYSTEM, Permission, Principal
from fleethub.hub.auth.roles import (
    ADMINISTRATOR,
    BUILDER,
    OPERATOR,
    ROLES,
    ApiToken,
    BootstrapToken,
    RoleAssignment,
    hash_secret,
    new_secret,
    token_text,
)
from fleethub.hub.auth.tokens import DEFAULT_LIFETIME
from fleethub.hub.errors import (
    ApiTokenAlreadyExists,
    ApiTokenNotFound,
    ArgumentInvalid,
    Forbidden,
    Unauthorized,
)
from fleethub.hub.hub import Hub
from fleethub.store import Store
from tests.conftest import Clock


def test_the_role_matrix() -> None:
    """Operators run devices; builders also change templates; administrators also tokens."""
    operate = Permission.REGISTRY_READ | Permission.REGISTRY_WRITE | Permission.SERVICE_CONNECT
    assert ROLES[OPERATOR] == ("App Operator", operate)
    assert ROLES[BUILDER] == ("App Builder", operate | Permission.MODELS_WRITE)
    assert ROLES[ADMINISTRATOR][1] == operate | Permission.MODELS_WRITE | Permission.API_TOKENS
    token = ApiToken("t", (RoleAssignment(OPERATOR), RoleAssignment("custom-role")), 0, "", 0)
    assert token.permissions == operate


async def test_create_then_authenticate_in_every_accepted_form(hub: Hub, store: Store) -> None:
    token, text = await hub.api_tokens.create(SYSTEM, "ops", [RoleAssignment(OPERATOR)], None)
    assert text.startswith(f"SharedAccessSignature sr={hub.central.info.id}&sig=")
    assert text.endswith(f"&skn=ops&se={int(token.expiry * 1000)}")
    secret = text.split("sig=")[1].split("&")[0]
    stored = await store.api_tokens.get("ops")
    assert stored is not None
    assert stored.secret_hash == hash_secret(secret)
    assert secret not in repr(stored)
    for header in (text, f"Bearer {text}", f"bearer {secret}", f"  {text}  "):
        principal = await hub.api_tokens.authenticate(header)
        assert principal == Principal("apiToken:ops", ROLES[OPERATOR][1])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer ",
        "Bearer nonsense",
        "SharedAccessSignature garbage",
        "SharedAccessSignature sr=a&sig=b&se=1",  # no skn
        "SharedAccessSignature sr=a&sig=wrong&se=1&skn=ops",
        "SharedAccessSignature sr=a&sig=b&se=1&skn=nobody",
    ],
)
async def test_headers_that_prove_nothing_are_unauthorized(hub: Hub, header: str | None) -> None:
    await hub.api_tokens.create(SYSTEM, "ops", [RoleAssignment(OPERATOR)], None)
    with pytest.raises(Unauthorized):
        await hub.api_tokens.authenticate(header)


async def test_an_expired_token_is_unauthorized(hub: Hub, clock: Clock) -> None:
    _, text = await hub.api_tokens.create(SYSTEM, "t", [RoleAssignment(OPERATOR)], clock() + 60)
    await hub.api_tokens.authenticate(text)
    clock.now += 61
    with pytest.raises(Unauthorized, match="expired"):
        await hub.api_tokens.authenticate(text)


async def test_create_rules(hub: Hub, clock: Clock) -> None:
    admin = [RoleAssignment(ADMINISTRATOR)]
    for bad_id in ("", "-x", "a b", "x" * 129, "a/b"):
        with pytest.raises(ArgumentInvalid, match="Token id"):
            await hub.api_tokens.create(SYSTEM, bad_id, admin, None)
    with pytest.raises(ArgumentInvalid, match="at least one role"):
        await hub.api_tokens.create(SYSTEM, "t", [], None)
    with pytest.raises(ArgumentInvalid, match="is not one of"):
        await hub.api_tokens.create(SYSTEM, "t", [RoleAssignment("c495eb57")], None)
    for expiry in (clock() - 1, clock() + 11 * DEFAULT_LIFETIME):
        with pytest.raises(ArgumentInvalid, match="expiry"):
            await hub.api_tokens.create(SYSTEM, "t", admin, expiry)
    token, _ = await hub.api_tokens.create(SYSTEM, "t", admin, None)
    assert token.expiry == pytest.approx(clock() + DEFAULT_LIFETIME)
    with pytest.raises(ApiTokenAlreadyExists):
        await hub.api_tokens.create(SYSTEM, "t", admin, None)


async def test_list_get_delete_need_the_administrator(hub: Hub) -> None:
    await hub.api_tokens.create(SYSTEM, "b", [RoleAssignment(BUILDER)], None)
    await hub.api_tokens.create(SYSTEM, "a", [RoleAssignment(ADMINISTRATOR, "org")], None)
    assert [t.id for t in await hub.api_tokens.list(SYSTEM)] == ["a", "b"]
    assert (await hub.api_tokens.get(SYSTEM, "a")).roles == (RoleAssignment(ADMINISTRATOR, "org"),)
    builder = Principal("builder", ROLES[BUILDER][1])
    with pytest.raises(Forbidden):
        await hub.api_tokens.list(builder)
    with pytest.raises(Forbidden):
        await hub.api_tokens.create(builder, "x", [RoleAssignment(OPERATOR)], None)
    await hub.api_tokens.delete(SYSTEM, "b")
    with pytest.raises(ApiTokenNotFound):
        await hub.api_tokens.delete(SYSTEM, "b")
    with pytest.raises(ApiTokenNotFound):
        await hub.api_tokens.get(SYSTEM, "b")


async def test_the_init_token_is_adopted_once_and_stays_deleted(hub: Hub, clock: Clock) -> None:
    secret = new_secret()
    bootstrap = BootstrapToken("fleethub-admin", hash_secret(secret), clock() + 3600)
    text = token_text(hub.central.info.id, bootstrap.id, secret, bootstrap.expiry)
    assert await hub.api_tokens.adopt(bootstrap) is True
    assert (await hub.api_tokens.authenticate(text)).permissions == ROLES[ADMINISTRATOR][1]
    assert await hub.api_tokens.adopt(bootstrap) is False
    await hub.api_tokens.delete(SYSTEM, "fleethub-admin")
    assert await hub.api_tokens.adopt(bootstrap) is False  # a restart does not bring it back
    with pytest.raises(Unauthorized):
        await hub.api_tokens.authenticate(text)
    # `fleethub init --central-admin-token` mints a new secret under the same id: it replaces.
    fresh = new_secret()
    assert await hub.api_tokens.adopt(
        BootstrapToken("fleethub-admin", hash_secret(fresh), clock() + 3600)
    )
    await hub.api_tokens.authenticate(f"Bearer {fresh}")
