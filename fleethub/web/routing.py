"""Every portal router comes from `page_router()`: its routes need a signed-in user (unless
public) and a CSRF token on unsafe methods, and answer failures as HTML, never JSON.

    router = page_router()

    @router.get("/things", name="things")
    async def things(request: Request, user: UserDep) -> HTMLResponse: ...
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from fleethub.hub.errors import HubError
from fleethub.web import csrf, errors
from fleethub.web.sessions import SignInRequired, User, current_user

UserDep = Annotated[User, Depends(current_user)]


class PageRoute(APIRoute):
    """An APIRoute whose failures become pages: sign-in redirects, 403, hub errors, 400."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return sign_in_redirect(request)
            except csrf.CsrfRejected:
                message = "The form expired or came from another site. Reload the page and retry."
                return errors.error_response(request, 403, "Request refused", message)
            except HubError as error:
                return errors.hub_error_response(request, error)
            except RequestValidationError as error:
                return errors.error_response(request, 400, "Bad request", _describe(error))

        return handle


def page_router(*, public: bool = False) -> APIRouter:
    dependencies: list[Any] = [Depends(csrf.protect)]
    if not public:
        dependencies.insert(0, Depends(current_user))
    return APIRouter(route_class=PageRoute, dependencies=dependencies, include_in_schema=False)


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/ui/signin?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def see_other(request: Request, location: str) -> Response:
    """After a successful POST: a redirect, or for htmx a client-side navigation."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def _describe(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()))
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is malformed."
