"""What an MQTT session asks of the hub, in MQTT's terms (topics, bags, status codes).

Keeps session.py about the protocol: this module turns bags into Messages, twins into the
documents the SDK expects, and domain errors into twin-response status codes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import orjson

from fleethub.hub.auth.devices import (
    ClientCertificate,
    DeviceLogin,
    check_username,
    login,
    parse_client_id,
)
from fleethub.hub.errors import (
    ArgumentInvalid,
    DeviceNotFound,
    HubError,
    ModuleNotFound,
    PreconditionFailed,
    ThrottlingException,
    TwinTooDeep,
    TwinTooLarge,
    Unauthorized,
)
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import Message
from fleethub.hub.ports import SessionStore
from fleethub.transports.mqtt import topics
from fleethub.transports.mqtt.packets import Connect

if TYPE_CHECKING:
    from fleethub.transports.mqtt.session import Session

log = logging.getLogger(__name__)

#: Twin-response status for each domain error (anything else answers 500).
_TWIN_STATUS: dict[type[HubError], int] = {
    ArgumentInvalid: 400,
    TwinTooDeep: 400,
    TwinTooLarge: 413,
    PreconditionFailed: 412,
    DeviceNotFound: 404,
    ModuleNotFound: 404,
    ThrottlingException: 429,
}


def message_from_bag(system: dict[str, str], application: dict[str, str], body: bytes) -> Message:
    return Message(
        body=body,
        properties=application,
        message_id=system.get("message_id"),
        correlation_id=system.get("correlation_id"),
        user_id=system.get("user_id"),
        content_type=system.get("content_type"),
        content_encoding=system.get("content_encoding"),
        expiry_time_utc=system.get("expiry_time_utc"),
        output_name=system.get("output_name"),
        interface_id=system.get("interface_id"),
        component=system.get("component_name"),
    )


def bag_of(message: Message, device_id: str, ack: str) -> dict[str, str]:
    system = {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
        "user_id": message.user_id,
        "content_type": message.content_type,
        "content_encoding": message.content_encoding,
        "expiry_time_utc": message.expiry_time_utc,
        "to": f"/devices/{device_id}/messages/deviceBound",
        "ack": ack if ack != "none" else None,
    }
    return {k: v for k, v in system.items() if v is not None}


def announced_model(username: str | None) -> str | None:
    """The IoT Plug and Play model a device announces in its username (wire spec §2.3):
    ``host/dev/?api-version=2020-09-30&DeviceClientType=...&model-id=dtmi%3A...%3B1``."""
    if not username or "/?" not in username:
        return None
    query = parse_qs(username.split("/?", 1)[1], keep_blank_values=False)
    values = query.get("model-id")
    return values[0] if values and values[0].startswith("dtmi:") else None


class DeviceCalls:
    def __init__(self, hub: Hub, sessions: SessionStore, max_rate: float = 0.0) -> None:
        self.hub = hub
        self._sessions = sessions
        self.max_rate = max_rate
        """Telemetry messages per second allowed per connection (0: no limit)."""

    def now(self) -> float:
        return self.hub.clock()

    async def authenticate(
        self, packet: Connect, certificate: ClientCertificate | None
    ) -> DeviceLogin:
        device_id, module_id = parse_client_id(packet.client_id)
        check_username(packet.username, packet.client_id, self.hub.config.names)
        identity = await self.hub.registry.credentials(device_id, module_id)
        if identity is None:
            raise Unauthorized(f"No identity '{packet.client_id[:140]}' is registered.")
        if module_id is not None:
            device = await self.hub.registry.credentials(device_id, None)
            if device is None or device.status != "enabled":
                raise Unauthorized("The module's device is disabled.")
        password = packet.password.decode("utf-8", "replace") if packet.password else None
        result = login(
            identity,
            password,
            certificate,
            self.hub.config.policies,
            self.hub.config.names,
            self.hub.clock(),
        )
        announced = announced_model(packet.username)
        if announced and announced != identity.model_id:
            await self.hub.registry.set_model(device_id, module_id, announced)
        # What was just read: the device's first messages need no lookup of their model.
        self.hub.conformance.remember(device_id, module_id, announced or identity.model_id)
        return result

    async def open_session(self, client_id: str, clean: bool) -> list[str] | None:
        """Stored subscriptions for a persistent session (None: no session was present)."""
        if clean:
            await self._sessions.delete(client_id)
            return None
        stored = await self._sessions.load(client_id)
        if stored is None:
            await self._sessions.create(client_id)
        return stored

    async def save_subscriptions(self, session: Session) -> None:
        await self._sessions.save(session.client_id, session.filters)

    async def reserve(self, session: Session) -> int:
        """Claim the identity cluster-wide; ServiceUnavailable (refuse) when the bus is down."""
        return await self.hub.connections.reserve(session.device_id, session.module_id)

    async def attach(self, session: Session, claim: int) -> None:
        await self.hub.connections.attach(session, claim)

    def detach(self, session: Session, unacked_c2d: list[str]) -> None:
        self.hub.connections.detach(session)
        if unacked_c2d:
            self.hub.spawn(self._abandon(session.device_id, unacked_c2d))

    async def _abandon(self, device_id: str, lock_tokens: list[str]) -> None:
        for token in lock_tokens:
            with contextlib.suppress(HubError):  # already expired or settled
                await self.hub.c2d.abandon(device_id, token)

    async def ingest(
        self,
        session: Session,
        system: dict[str, str],
        application: dict[str, str],
        body: bytes,
        resent: bool = False,
    ) -> None:
        assert session.login is not None
        message = message_from_bag(system, application, body)
        await self.hub.telemetry.ingest(
            session.device_id, session.module_id, message, session.login.auth_method, resent
        )

    def offer(
        self,
        session: Session,
        system: dict[str, str],
        application: dict[str, str],
        body: bytes,
        resent: bool,
        settled: Callable[[BaseException | None], None],
    ) -> bool:
        """`ingest` without a coroutine (`Telemetry.offer`); False: call `ingest` instead."""
        assert session.login is not None
        message = message_from_bag(system, application, body)
        return self.hub.telemetry.offer(
            session.device_id,
            session.module_id,
            message,
            session.login.auth_method,
            resent,
            settled,
        )

    async def twin_document(self, session: Session) -> tuple[int, bytes]:
        """The twin GET body the SDK needs: desired and reported, each with `$version`."""
        try:
            identity = await self.hub.registry.find(session.device_id, session.module_id)
        except HubError as error:
            return self._status(error), b"{}"
        twin = identity.twin
        body: dict[str, Any] = {
            "desired": {**twin.desired, "$version": twin.desired_version},
            "reported": {**twin.reported, "$version": twin.reported_version},
        }
        return 200, orjson.dumps(body)

    async def patch_reported(self, session: Session, payload: bytes) -> tuple[int, int | None]:
        try:
            patch = orjson.loads(payload)
            if not isinstance(patch, dict):
                raise ArgumentInvalid("A reported patch must be a JSON object.")
            version = await self.hub.twins.patch_reported(
                session.device_id, session.module_id, patch
            )
        except orjson.JSONDecodeError:
            return 400, None
        except HubError as error:
            return self._status(error), None
        return 204, version

    def method_response(self, session: Session, rid: str, status: int, payload: bytes) -> None:
        self.hub.methods.respond(session, rid, status, payload)

    async def take_c2d(self, session: Session, limit: int) -> list[tuple[str, str, bytes]]:
        """Lock up to `limit` messages; each as (lock token, topic, body)."""
        taken = await self.hub.c2d.take(session.device_id, limit)
        return [
            (
                m.lock_token or "",
                topics.c2d_topic(
                    session.device_id,
                    bag_of(m.message, session.device_id, m.ack),
                    m.message.properties,
                ),
                m.message.body,
            )
            for m in taken
        ]

    async def complete_c2d(self, session: Session, lock_token: str) -> None:
        try:
            await self.hub.c2d.complete(session.device_id, lock_token)
        except HubError as error:
            log.info("C2D completion for %s not recorded: %s", session.device_id, error.message)

    @staticmethod
    def _status(error: HubError) -> int:
        for cls in type(error).__mro__:
            if cls in _TWIN_STATUS:
                return _TWIN_STATUS[cls]
        return 500
