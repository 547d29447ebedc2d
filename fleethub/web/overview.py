"""The overview: device counts, messages per minute and recent connection events."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from fleethub.http import HubDep, JsonResponse
from fleethub.web import templating
from fleethub.web.activity import Activity
from fleethub.web.routing import UserDep, page_router

router = page_router()


def _activity(request: Request) -> Activity:
    activity: Activity = request.app.state.web.activity
    return activity


@router.get("/", name="overview")
async def overview(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    counts = await hub.registry.statistics(user.principal)
    activity = _activity(request)
    times, values = activity.per_minute()
    context = {
        "counts": counts,
        "events": list(activity.events)[:15],
        "rate": {"t": times, "v": values},
        "last_minute": values[-1] if values else 0,
    }
    name = "_overview_stats.html" if request.headers.get("hx-request") else "overview.html"
    return templating.render(request, name, context)


@router.get("/overview/rate.json", name="overview_rate")
async def rate(request: Request, user: UserDep) -> JsonResponse:
    times, values = _activity(request).per_minute()
    return JsonResponse({"t": times, "v": values})
