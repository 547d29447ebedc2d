"""How many devices a query condition selects now, and the first few of them: the live count
the jobs and configurations forms show while the condition is typed."""

from __future__ import annotations

from typing import Any

from fleethub.hub.errors import HubError
from fleethub.hub.hub import Hub
from fleethub.web.sessions import User

SHOWN = 5
EDGE_ONLY = "capabilities.iotEdge = true"


async def count(hub: Hub, user: User, condition: str, *, edge_only: bool = False) -> dict[str, Any]:
    """{"count": n, "first": [twins]} or {"error": message}; `*` selects every device."""
    condition = condition.strip()[:4000]
    if not condition:
        return {"error": "Write a condition, e.g. tags.site = 'oslo', or * for every device."}
    parts = [] if condition == "*" else [f"({condition})"]
    if edge_only:
        parts.insert(0, EDGE_ONLY)
    where = f" WHERE {' AND '.join(parts)}" if parts else ""
    # IoT Hub query language, run by the hub's parser: the user's own condition, as on the
    # devices page; it cannot reach past what their Principal may read.
    counting = f"SELECT COUNT() AS n FROM devices{where}"  # noqa: S608
    listing = f"SELECT * FROM devices{where}"  # noqa: S608
    try:
        counted = await hub.twins.query(user.principal, counting, 1, None)
        first = await hub.twins.query(user.principal, listing, SHOWN, None)
    except HubError as problem:
        return {"error": problem.message}
    rows = counted.rows or []
    return {"count": int(rows[0].get("n", 0)) if rows else 0, "first": first.twins or []}
