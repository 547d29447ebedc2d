"""The Protocols the domain needs from its adapters; `store/` and `bus/` implement them.

One small Protocol per aggregate, each method one atomic operation, grouped by concern in
the modules of this package and all importable from here. Only `app.py` knows which
adapters stand behind them.
"""

from __future__ import annotations

from fleethub.hub.ports.bus import BroadcastHandler, Bus, BusMessage, RequestHandler
from fleethub.hub.ports.catalogue import (
    ApiTokenStore,
    AvatarStore,
    CommandLog,
    ConfigurationStore,
    DeviceProfileStore,
    ModelStore,
)
from fleethub.hub.ports.jobs import Blobs, JobDeviceStore, JobStore, SourceHub
from fleethub.hub.ports.messaging import (
    C2DQueue,
    ConsumerGroupStore,
    FeedbackStore,
    RecentTelemetry,
    TelemetryLog,
)
from fleethub.hub.ports.registry import (
    DeviceLink,
    IdentityStore,
    QueryPage,
    RegistryCounts,
    SessionStore,
)

__all__ = [
    "ApiTokenStore",
    "AvatarStore",
    "Blobs",
    "BroadcastHandler",
    "Bus",
    "BusMessage",
    "C2DQueue",
    "CommandLog",
    "ConfigurationStore",
    "ConsumerGroupStore",
    "DeviceLink",
    "DeviceProfileStore",
    "FeedbackStore",
    "IdentityStore",
    "JobDeviceStore",
    "JobStore",
    "ModelStore",
    "QueryPage",
    "RecentTelemetry",
    "RegistryCounts",
    "RequestHandler",
    "SessionStore",
    "SourceHub",
    "TelemetryLog",
]
