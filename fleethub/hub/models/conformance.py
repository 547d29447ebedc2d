"""Telemetry checked against the sending device's model (issue #4, item 2): the verdict the
telemetry log stores with each message, and per-device counts of invalid messages.

The hot path reads no database: a device's model id and each model's compiled validator are
cached in memory, refreshed after `MODEL_TTL` seconds (another node may have changed them)
and dropped at once when this node changes them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import orjson

from fleethub.hub.clock import Clock
from fleethub.hub.events import IdentitiesChanged
from fleethub.hub.messaging.message import Message
from fleethub.hub.models.catalogue import Catalogue
from fleethub.hub.models.dtdl import Validator
from fleethub.hub.ports import IdentityStore

log = logging.getLogger(__name__)

MODEL_TTL = 30.0
MAX_REASONS = 20
_UTF8 = frozenset({"utf-8", "utf8"})


@dataclass(slots=True)
class ValidationCounts:
    """Messages checked against a model since this node started, and the invalid ones."""

    messages: int = 0
    invalid: int = 0
    last_invalid_time: float | None = None
    last_reasons: list[str] = field(default_factory=list)


class Conformance:
    def __init__(self, catalogue: Catalogue, identities: IdentityStore, clock: Clock) -> None:
        self._catalogue = catalogue
        self._identities = identities
        self._clock = clock
        self._models: dict[tuple[str, str | None], tuple[float, str | None]] = {}
        self._counts: dict[str, ValidationCounts] = {}

    async def verdict(self, device_id: str, module_id: str | None, message: Message) -> str | None:
        """None without a model; "valid"; or "invalid: <reason>; <reason>".

        A failed model lookup (store down) never costs the message: it goes unchecked.
        """
        try:
            validator = await self.validator_of(device_id, module_id)
        except Exception:
            log.warning("model lookup failed for %s; message stored unchecked", device_id)
            return None
        return self._judge(device_id, validator, message)

    def cached_verdict(self, device_id: str, module_id: str | None, message: Message) -> str | None:
        """`verdict` from cached models only (the telemetry hot path, which never awaits);
        LookupError when the identity's model or its validator is not cached."""
        cached = self._models.get((device_id, module_id))
        if cached is None or time.monotonic() - cached[0] >= MODEL_TTL:
            raise LookupError(device_id)
        model_id = cached[1]
        validator = None if model_id is None else self._catalogue.cached_validator(model_id)
        return self._judge(device_id, validator, message)

    def _judge(self, device_id: str, validator: Validator | None, message: Message) -> str | None:
        if validator is None:
            return None
        reasons = telemetry_reasons(validator, message)
        counts = self._counts.setdefault(device_id, ValidationCounts())
        counts.messages += 1
        if not reasons:
            return "valid"
        counts.invalid += 1
        counts.last_invalid_time = self._clock()
        counts.last_reasons = reasons
        return "invalid: " + "; ".join(reasons)

    async def validator_of(self, device_id: str, module_id: str | None = None) -> Validator | None:
        model_id = await self.model_of(device_id, module_id)
        return None if model_id is None else await self._catalogue.validator(model_id)

    async def model_of(self, device_id: str, module_id: str | None = None) -> str | None:
        key = (device_id, module_id)
        now = time.monotonic()
        cached = self._models.get(key)
        if cached is not None and now - cached[0] < MODEL_TTL:
            return cached[1]
        identity = await self._identities.get(device_id, module_id)
        model_id = identity.model_id if identity is not None else None
        self._models[key] = (now, model_id)
        return model_id

    def remember(self, device_id: str, module_id: str | None, model_id: str | None) -> None:
        """The identity's model as a connect just read it (kept for `MODEL_TTL`, as a lookup)."""
        self._models[(device_id, module_id)] = (time.monotonic(), model_id)

    def counts(self, device_id: str) -> ValidationCounts:
        return self._counts.get(device_id, ValidationCounts())

    def forget(self, device_id: str, module_id: str | None = None) -> None:
        """The identity's model changed (or it went away): look it up again next time."""
        self._models.pop((device_id, module_id), None)

    async def identities_changed(self, events: IdentitiesChanged) -> None:
        for event in events:
            self.forget(event.device_id, event.module_id)
            if event.change == "deleted" and event.module_id is None:
                self._counts.pop(event.device_id, None)
                for key in [k for k in self._models if k[0] == event.device_id]:
                    del self._models[key]


def telemetry_reasons(validator: Validator, message: Message) -> list[str]:
    """Why a message breaks the model: wrong types, unmodeled fields, a body that is not JSON.

    >>> telemetry_reasons(thermostat, Message(b'{"temperature": "hot", "x": 1}'))
    ['temperature: expected double, got string', 'x: not defined by the model']
    """
    encoding = message.content_encoding
    if encoding is not None and encoding.lower() not in _UTF8:
        return [f"body: encoded as '{encoding[:40]}'; only UTF-8 JSON can be checked"]
    try:
        body = orjson.loads(message.body)
    except orjson.JSONDecodeError:
        return ["body: not valid JSON"]
    verdict = validator.telemetry(body, component=message.component)
    unmodeled = [f"{name}: not defined by the model" for name in verdict.unmodeled]
    reasons = [*verdict.reasons, *unmodeled]
    return reasons[:MAX_REASONS]
