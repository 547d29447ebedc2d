"""The current time, injected: the hub never calls datetime.now(), so expiry tests need no sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

#: Returns seconds since the epoch.
Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def iso(seconds: float) -> str:
    """Azure's timestamp form, e.g. ``2026-11-22T23:06:21.123456Z``."""
    return utc(seconds).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
