"""The root `hub` fixture, closed after each test so no background work outlives the store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fleethub.hub.hub import Hub


@pytest.fixture
async def hub(hub: Hub) -> AsyncIterator[Hub]:
    yield hub
    await hub.close()
