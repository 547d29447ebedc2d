"""ServiceTokens remembers verified service tokens but re-checks expiry, scope and keys."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote, quote_plus

import pytest

from fleethub.hub.auth import sas
from fleethub.hub.auth.policies import Policy, default_policies
from fleethub.hub.auth.service import HubNames, ServiceTokens
from fleethub.hub.errors import Unauthorized

NAMES = HubNames.of(["localhost"])
NOW = 1_000_000.0


def token(policy: Policy, resource: str = "localhost:8443", expiry: int = 1_000_100) -> str:
    sr = quote_plus(resource)
    signature = quote(sas.sign(policy.primary_key, sr, expiry))
    return f"SharedAccessSignature sr={sr}&sig={signature}&se={expiry}&skn={policy.name}"


@pytest.fixture
def policies() -> dict[str, Policy]:
    return {p.name: p for p in default_policies()}


def test_a_remembered_token_still_expires(policies: dict[str, Policy]) -> None:
    tokens, text = ServiceTokens(), token(policies["iothubowner"])
    assert tokens.authenticate(text, policies, NAMES, "devices/d1", NOW).name == "iothubowner"
    assert tokens.authenticate(text, policies, NAMES, "devices/d2", NOW + 99).name == "iothubowner"
    with pytest.raises(Unauthorized, match="expired"):
        tokens.authenticate(text, policies, NAMES, "devices/d1", NOW + 100)


def test_a_remembered_token_covers_only_its_resource(policies: dict[str, Policy]) -> None:
    tokens, text = ServiceTokens(), token(policies["service"], "localhost:8443/devices/d1")
    tokens.authenticate(text, policies, NAMES, "devices/d1/modules/m", NOW)
    with pytest.raises(Unauthorized, match="does not cover"):
        tokens.authenticate(text, policies, NAMES, "devices/d2", NOW)


def test_rotated_keys_refuse_a_remembered_token(policies: dict[str, Policy]) -> None:
    tokens, text = ServiceTokens(), token(policies["iothubowner"])
    tokens.authenticate(text, policies, NAMES, "devices", NOW)
    owner = policies["iothubowner"]
    rotated = dataclasses.replace(owner, primary_key=sas.new_key(), secondary_key=sas.new_key())
    with pytest.raises(Unauthorized, match="does not verify"):
        tokens.authenticate(text, {**policies, owner.name: rotated}, NAMES, "devices", NOW)


def test_the_memory_is_bounded(policies: dict[str, Policy]) -> None:
    tokens = ServiceTokens(limit=2)
    for expiry in range(1_000_100, 1_000_105):
        tokens.authenticate(token(policies["iothubowner"], expiry=expiry), policies, NAMES, "", NOW)
    assert len(tokens._verified) <= 2
