"""Every twin a `SELECT *` query selects, page by page: for views that list a whole kind of
identity (the Portal's devices, concentrators and gateways)."""

from __future__ import annotations

from fleethub.hub.auth.principal import Principal
from fleethub.hub.registry.device import Identity
from fleethub.hub.twins.service import MAX_PAGE, Twins


async def scan(twins: Twins, principal: Principal, text: str) -> list[Identity]:
    """`await scan(twins, who, "SELECT * FROM devices WHERE capabilities.iotEdge = true")`."""
    found: list[Identity] = []
    continuation: str | None = None
    while True:
        page = await twins.query(principal, text, MAX_PAGE, continuation)
        found += page.twins or []
        continuation = page.continuation
        if continuation is None:
            return found
