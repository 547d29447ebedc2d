"""What the overview shows live: messages per minute and recent connection events.

Kept in memory by each node from the hub's own notifications (telemetry ingest, connection
changes), for the last hour; a restarted node starts counting afresh. Callbacks run on the
ingest path, so they only bump a counter or append to a bounded deque.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.events import ConnectionChanged
from fleethub.hub.hub import Hub
from fleethub.hub.messaging.message import D2CRecord

MINUTES = 60
EVENTS = 50


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    device_id: str
    module_id: str | None
    connected: bool
    at: float


class Activity:
    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._minutes: dict[int, int] = {}
        self.events: deque[ConnectionEvent] = deque(maxlen=EVENTS)

    def attach(self, hub: Hub) -> None:
        hub.telemetry.subscribe(SYSTEM, self.on_message)
        hub.registry.connection_changed.add(self.on_connection)

    def detach(self, hub: Hub) -> None:
        hub.telemetry.unsubscribe(self.on_message)

    def on_message(self, record: D2CRecord) -> None:
        minute = int(record.enqueued_time // 60)
        self._minutes[minute] = self._minutes.get(minute, 0) + 1
        if len(self._minutes) > MINUTES + 5:
            oldest = minute - MINUTES
            for key in [k for k in self._minutes if k < oldest]:
                del self._minutes[key]

    async def on_connection(self, event: ConnectionChanged) -> None:
        self.events.appendleft(
            ConnectionEvent(event.device_id, event.module_id, event.connected, event.at)
        )

    def per_minute(self) -> tuple[list[int], list[int]]:
        """(minute start times in epoch seconds, message counts) for the last hour."""
        current = int(self._now() // 60)
        minutes = list(range(current - MINUTES + 1, current + 1))
        return [m * 60 for m in minutes], [self._minutes.get(m, 0) for m in minutes]
