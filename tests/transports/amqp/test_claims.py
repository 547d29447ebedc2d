"""CBS tokens are checked like REST SAS tokens: policy, signature, expiry, audience (§3.1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import pytest

from fleethub.hub.auth import sas
from fleethub.hub.auth.policies import default_policies
from fleethub.hub.auth.principal import Permission
from fleethub.hub.auth.service import HubNames
from fleethub.hub.errors import Unauthorized
from fleethub.transports.amqp.claims import Claims
from fleethub.transports.amqp.links import Refused

NOW = 1_800_000_000.0


def _hub() -> Any:
    config = SimpleNamespace(
        policies={p.name: p for p in default_policies()}, names=HubNames.of(["localhost"])
    )
    return SimpleNamespace(config=config, clock=lambda: NOW)


def iothub_token(key: str, policy: str, se: int, host: str = "localhost:8443") -> str:
    """As azure-iot-hub's AMQP client builds it: raw sr, base64-decoded key (wire spec §3.1)."""
    return (
        f"SharedAccessSignature sr={host}&sig={quote(sas.sign(key, host, se))}&se={se}&skn={policy}"
    )


def eventhub_token(key: str, policy: str, se: int, audience: str) -> str:
    """As azure-eventhub builds it: quote_plus(audience) signed with the key's text."""
    signed = f"{quote_plus(audience)}\n{se}".encode()
    sig = base64.b64encode(hmac.new(key.encode(), signed, hashlib.sha256).digest())
    fields = {"sr": audience, "sig": sig, "se": str(se), "skn": policy}
    return "SharedAccessSignature " + urlencode(fields)


def test_an_iothub_sdk_token_covers_the_whole_hub() -> None:
    hub = _hub()
    claims = Claims(hub)
    key = hub.config.policies["service"].primary_key
    claims.put(iothub_token(key, "service", int(NOW) + 60))
    principal = claims.authorize("messages/devicebound", Permission.SERVICE_CONNECT)
    assert principal.name == "service"


def test_an_eventhub_sdk_token_covers_only_its_consumer_group() -> None:
    hub = _hub()
    claims = Claims(hub)
    key = hub.config.policies["iothubowner"].primary_key
    audience = "sb://localhost/fleethub/consumergroups/$Default"
    claims.put(eventhub_token(key, "iothubowner", int(NOW) + 60, audience))
    claims.authorize("fleethub/ConsumerGroups/$Default/Partitions/0", Permission.SERVICE_CONNECT)
    with pytest.raises(Refused, match="covers no token"):
        claims.authorize("fleethub/ConsumerGroups/other/Partitions/0", Permission.SERVICE_CONNECT)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda key, se: iothub_token(key, "service", se - 120), "expired"),
        (lambda key, se: iothub_token(sas.new_key(), "service", se), "does not verify"),
        (lambda key, se: iothub_token(key, "nosuchpolicy", se), "no known shared access"),
        (lambda key, se: iothub_token(key, "service", se, "elsewhere:8443"), "not this hub"),
        (lambda key, se: "Bearer abc", "not a SharedAccessSignature"),
    ],
)
def test_bad_tokens_are_refused(mutate: Any, reason: str) -> None:
    hub = _hub()
    key = hub.config.policies["service"].primary_key
    with pytest.raises(Unauthorized, match=reason):
        Claims(hub).put(mutate(key, int(NOW) + 60))


def test_a_policy_without_the_permission_cannot_attach() -> None:
    hub = _hub()
    claims = Claims(hub)
    key = hub.config.policies["registryRead"].primary_key
    claims.put(iothub_token(key, "registryRead", int(NOW) + 60))
    with pytest.raises(Refused, match="lacks the permission"):
        claims.authorize("messages/devicebound", Permission.SERVICE_CONNECT)


def test_a_claim_lapses_at_its_expiry() -> None:
    hub = _hub()
    claims = Claims(hub)
    key = hub.config.policies["service"].primary_key
    claims.put(iothub_token(key, "service", int(NOW) + 60))
    hub.clock = lambda: NOW + 61
    with pytest.raises(Refused):
        claims.authorize("messages/devicebound", Permission.SERVICE_CONNECT)
