"""IoT Central commands (seed 001 "Commands"): a request checked against the device's model,
recorded as Pending, sent as a direct method, and recorded again when the device answers.

Seed 001 posts the command's arguments as the body (`{"rebootInterval": 60}`); IoT Central's
own form `{"request": ..., "responseTimeout": 30}` is accepted too. For a model whose command
names its request payload (seed 004's `since`), `{"since": ...}` sends the bare value.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.central.records import CommandRecord
from fleethub.hub.clock import Clock
from fleethub.hub.errors import (
    ArgumentInvalid,
    CapabilityNotFound,
    CommandNotFound,
    HubError,
    PayloadInvalid,
)
from fleethub.hub.methods import MAX_TIMEOUT, MIN_RESPONSE_TIMEOUT, Methods
from fleethub.hub.models.conformance import Conformance
from fleethub.hub.models.dtdl import Command, Validator
from fleethub.hub.ports import CommandLog
from fleethub.hub.registry.service import Registry

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30
#: IoT Hub's limit on a direct method's name.
MAX_NAME = 128
_CENTRAL_FORM = frozenset({"request", "connectionTimeout", "responseTimeout"})


class Commands:
    def __init__(
        self,
        registry: Registry,
        methods: Methods,
        conformance: Conformance,
        records: CommandLog,
        clock: Clock,
    ) -> None:
        self._registry = registry
        self._methods = methods
        self._conformance = conformance
        self._records = records
        self._clock = clock
        self._running: set[asyncio.Task[None]] = set()

    async def run(
        self, principal: Principal, device_id: str, name: str, body: Any
    ) -> CommandRecord:
        """Check and record the command, start it, and answer at once with it Pending."""
        require(principal, Permission.SERVICE_CONNECT)
        if not 1 <= len(name) <= MAX_NAME:
            raise ArgumentInvalid(f"A command name holds 1 to {MAX_NAME} characters.")
        await self._registry.find(device_id, None)
        validator = await self._conformance.validator_of(device_id)
        command = _command(validator, name)
        payload, timeout = _request(command, body)
        if validator is not None:
            verdict = validator.command(name, payload)
            if not verdict.ok:
                raise PayloadInvalid(f"The request of '{name}' is invalid.", verdict.reasons)
        record = CommandRecord(
            id=f"cmd-{secrets.token_hex(8)}",
            device_id=device_id,
            name=name,
            request=payload,
            created_time=self._clock(),
        )
        await self._records.add(record)
        task = asyncio.get_running_loop().create_task(self._invoke(principal, record, timeout))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return record

    async def status(self, principal: Principal, device_id: str, command_id: str) -> CommandRecord:
        require(principal, Permission.REGISTRY_READ, Permission.SERVICE_CONNECT)
        await self._registry.find(device_id, None)
        record = await self._records.get(device_id, command_id)
        if record is None:
            raise CommandNotFound(f"No command '{command_id[:80]}' was sent to '{device_id}'.")
        return record

    async def close(self) -> None:
        """Stop waiting for answers (the hub is stopping); those commands are Failed."""
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    async def _invoke(self, principal: Principal, record: CommandRecord, wait: int) -> None:
        try:
            result = await self._methods.invoke(
                principal, record.device_id, None, record.name, record.request, wait
            )
            record.status = "Completed" if 200 <= result.status < 300 else "Failed"
            record.result, record.response_code = result.payload, result.status
        except HubError as error:
            record.status, record.result = "Failed", error.message
        except asyncio.CancelledError:
            record.status, record.result = "Failed", "The hub stopped before the device answered."
        record.completed_time = self._clock()
        try:
            await self._records.finish(record)
        except Exception:
            log.exception("could not record the outcome of command %s", record.id)


def _command(validator: Validator | None, name: str) -> Command | None:
    if validator is None:
        return None
    content = validator.interface.content(name)
    if not isinstance(content, Command):
        raise CapabilityNotFound(f"The device's template has no command '{name[:128]}'.")
    return content


def _request(command: Command | None, body: Any) -> tuple[Any, int]:
    """The payload to send and the response timeout, from any accepted body form."""
    timeout = DEFAULT_TIMEOUT
    if isinstance(body, dict) and "request" in body and set(body) <= _CENTRAL_FORM:
        given = body.get("responseTimeout", DEFAULT_TIMEOUT)
        if type(given) is not int or not MIN_RESPONSE_TIMEOUT <= given <= MAX_TIMEOUT:
            raise ArgumentInvalid(
                f"responseTimeout must be {MIN_RESPONSE_TIMEOUT} to {MAX_TIMEOUT} seconds."
            )
        return body["request"], given
    request = command.request if command is not None else None
    if isinstance(body, dict) and request is not None and set(body) == {request.name}:
        return body[request.name], timeout
    if body == {} and (command is None or request is None):
        return None, timeout
    return body, timeout
