"""Case-insensitive Portal routes: ASP.NET Core, where the Portal API comes from, matches
paths case-insensitively, so `/API/devicemodels` must reach `/api/DeviceModels`.

Routes are declared in the seed's spelling; this middleware rewrites the fixed words of a
Portal path to that spelling before routing and leaves the ids between them as sent:
`/API/devicemodels/Model-A/AVATAR` → `/api/DeviceModels/Model-A/avatar`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

#: The seed's resources, by their lower-case name.
RESOURCES = {
    name.lower(): name
    for name in ("Commands", "Concentrators", "Configs", "DeviceModels", "Devices", "Gateways")
}
#: Per resource, the fixed words that follow its ids: (position, word, methods or None).
#: Positions count segments of the path split on "/", so 3 is the first id.
_FIXED: dict[str, tuple[tuple[int, str, frozenset[str] | None], ...]] = {
    "DeviceModels": ((4, "avatar", None), (5, "image", None)),
    # POST /api/Gateways/{id}/{module}/{method} may name a method "connectionstring".
    "Gateways": ((5, "ConnectionString", frozenset({"GET", "HEAD"})),),
}
OIDC = "/OIDCSettings"


def normalize(path: str, method: str) -> str:
    """The path with the Portal's fixed words in the seed's spelling; others unchanged."""
    parts = path.split("/")
    if len(parts) == 2 and parts[1].lower() == OIDC[1:].lower():
        return OIDC
    if len(parts) < 3 or parts[1].lower() != "api":
        return path
    parts[1] = "api"
    parts[2] = RESOURCES.get(parts[2].lower(), parts[2])
    for position, word, methods in _FIXED.get(parts[2], ()):
        matches = len(parts) > position and parts[position].lower() == word.lower()
        if matches and (methods is None or method in methods):
            parts[position] = word
    return "/".join(parts)


class PortalPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = normalize(scope["path"], scope["method"])
            if path != scope["path"]:
                scope = dict(scope)
                scope["path"] = path
        await self.app(scope, receive, send)
