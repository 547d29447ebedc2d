"""Domain errors → Portal API statuses and RFC 7807 problem bodies, as ASP.NET Core answers.

Body: ``{"type": "https://tools.ietf.org/html/rfc7231#section-6.5.4", "title": "Not Found",
"status": 404, "detail": "...", "traceId": "..."}``; a request that breaks the schema gets
ASP.NET's ValidationProblemDetails, whose ``errors`` map each field to its messages:
``{"deviceName": ["The deviceName field is required."]}``. Content type
``application/problem+json``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fleethub.http import JsonResponse, request_id
from fleethub.hub import errors as e

#: error class → HTTP status. A test checks every hub error is here.
STATUS: dict[type[e.HubError], int] = {
    e.ArgumentInvalid: 400,
    e.DeviceDefinedMultipleTimes: 400,
    e.ArgumentNull: 400,
    e.DeviceNotFound: 404,
    e.ModuleNotFound: 404,
    e.DeviceAlreadyExists: 409,
    e.ModuleAlreadyExists: 409,
    e.PreconditionFailed: 412,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.TwinTooLarge: 400,
    e.TwinTooDeep: 400,
    e.QuerySyntaxInvalid: 400,
    e.QueryUnsupported: 400,
    e.DeviceNotOnline: 404,
    e.GatewayTimeout: 504,
    e.TooManyDevices: 400,
    e.ThrottlingException: 429,
    e.MessageTooLarge: 413,
    e.ServiceUnavailable: 503,
    e.DeviceMaximumQueueDepthExceeded: 409,
    e.DeviceMessageLockLost: 412,
    e.ModelNotFound: 404,
    e.ModelInUse: 409,
    e.ModelInvalid: 400,
    e.PayloadInvalid: 400,
    e.CapabilityNotFound: 404,
    e.CommandNotFound: 404,
    e.ApiTokenNotFound: 404,
    e.ApiTokenAlreadyExists: 409,
    e.FilterInvalid: 400,
    e.JobNotFound: 404,
    e.JobAlreadyExists: 409,
    e.RemoteUnreachable: 502,
    e.ConfigurationNotFound: 404,
    e.ConsumerGroupNotFound: 404,
    e.ConfigurationAlreadyExists: 409,
    e.CapabilityAlreadyExists: 409,
}

#: The `type` ASP.NET Core gives each status (its ProblemDetails defaults).
_TYPES = {
    400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    401: "https://tools.ietf.org/html/rfc7235#section-3.1",
    403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
    404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
    405: "https://tools.ietf.org/html/rfc7231#section-6.5.5",
    409: "https://tools.ietf.org/html/rfc7231#section-6.5.8",
    412: "https://tools.ietf.org/html/rfc7232#section-4.2",
    413: "https://tools.ietf.org/html/rfc7231#section-6.5.11",
    415: "https://tools.ietf.org/html/rfc7231#section-6.5.13",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    502: "https://tools.ietf.org/html/rfc7231#section-6.6.3",
    503: "https://tools.ietf.org/html/rfc7231#section-6.6.4",
    504: "https://tools.ietf.org/html/rfc7231#section-6.6.5",
}
VALIDATION_TITLE = "One or more validation errors occurred."
MEDIA_TYPE = "application/problem+json"


class ProblemResponse(JsonResponse):
    media_type = MEDIA_TYPE


def problem(
    request: Request,
    status: int,
    detail: str | None,
    errors: dict[str, list[str]] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": _TYPES.get(status, "about:blank"),
        "title": VALIDATION_TITLE if errors else HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "traceId": request_id(request),
    }
    if errors:
        body["errors"] = errors
    headers = {"x-ms-request-id": request_id(request)}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer, SharedAccessSignature"
    return ProblemResponse(body, status_code=status, headers=headers)


def status_of(error: e.HubError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def hub_error_response(request: Request, error: e.HubError) -> Response:
    reasons = getattr(error, "reasons", None)
    errors = {"": list(reasons)} if reasons else None
    return problem(request, status_of(error), error.message, errors)


def invalid_response(request: Request, error: RequestValidationError) -> Response:
    errors: dict[str, list[str]] = {}
    for item in error.errors():
        key, message = field_error(item)
        errors.setdefault(key, []).append(message)
    detail = "; ".join(f"{k or 'body'}: {' '.join(v)}" for k, v in list(errors.items())[:5])
    return problem(request, 400, detail, errors)


def field_error(item: Any) -> tuple[str, str]:
    """(field, message) for one pydantic error, in ASP.NET's words where it has them:
    ``("commands[0].port", "The port field is required.")``."""
    parts = [p for p in item.get("loc", ()) if p not in ("body", "query", "path", "header")]
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    kind = item.get("type", "")
    if kind == "json_invalid":
        return "$", "The JSON value could not be converted: the body is not valid JSON."
    required = kind == "missing" or item.get("input", "") is None or kind == "string_too_short"
    if required and not key:
        return "", "A non-empty request body is required."
    if required and (kind != "string_too_short" or item.get("input") == ""):
        return key, f"The {key.rsplit('.', 1)[-1]} field is required."
    message = str(item.get("msg", "The value is invalid.")).removeprefix("Value error, ")
    return key, message


def http_error_response(request: Request, error: HTTPException) -> Response:
    response = problem(request, error.status_code, str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response
