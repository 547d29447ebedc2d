"""Domain errors → IoT Central status codes and error bodies (seeds 001 and 004).

Body: ``{"error": {"code": "NotFound", "message": "...", "requestId": "...", "time": "Mon, 23
Nov 2026 10:00:00 GMT"}}`` with an ``x-ms-error-code`` header, as IoT Central answers; errors
that carry reasons (an invalid template or payload) list them under ``error.details``.
"""

from __future__ import annotations

from email.utils import formatdate

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fleethub.http import JsonResponse, request_id
from fleethub.hub import errors as e

#: error class → (HTTP status, IoT Central error code). A test checks every hub error is here.
STATUS: dict[type[e.HubError], tuple[int, str]] = {
    e.ArgumentInvalid: (400, "BadRequest"),
    e.DeviceDefinedMultipleTimes: (400, "BadRequest"),
    e.ArgumentNull: (400, "BadRequest"),
    e.DeviceNotFound: (404, "NotFound"),
    e.ModuleNotFound: (404, "NotFound"),
    e.DeviceAlreadyExists: (409, "Conflict"),
    e.ModuleAlreadyExists: (409, "Conflict"),
    e.PreconditionFailed: (412, "PreconditionFailed"),
    e.Unauthorized: (401, "Unauthorized"),
    e.Forbidden: (403, "Forbidden"),
    e.TwinTooLarge: (400, "BadRequest"),
    e.TwinTooDeep: (400, "BadRequest"),
    e.QuerySyntaxInvalid: (400, "BadRequest"),
    e.QueryUnsupported: (400, "BadRequest"),
    e.DeviceNotOnline: (404, "DeviceNotOnline"),
    e.GatewayTimeout: (504, "GatewayTimeout"),
    e.TooManyDevices: (400, "BadRequest"),
    e.ThrottlingException: (429, "TooManyRequests"),
    e.MessageTooLarge: (413, "PayloadTooLarge"),
    e.ServiceUnavailable: (503, "ServiceUnavailable"),
    e.DeviceMaximumQueueDepthExceeded: (403, "Forbidden"),
    e.DeviceMessageLockLost: (412, "PreconditionFailed"),
    e.ModelNotFound: (404, "NotFound"),
    e.ModelInUse: (409, "Conflict"),
    e.ModelInvalid: (400, "BadRequest"),
    e.PayloadInvalid: (400, "BadRequest"),
    e.CapabilityNotFound: (404, "NotFound"),
    e.CommandNotFound: (404, "NotFound"),
    e.ApiTokenNotFound: (404, "NotFound"),
    e.ApiTokenAlreadyExists: (409, "Conflict"),
    e.FilterInvalid: (400, "BadRequest"),
    e.JobNotFound: (404, "NotFound"),
    e.JobAlreadyExists: (409, "Conflict"),
    e.RemoteUnreachable: (502, "BadGateway"),
    e.ConfigurationNotFound: (404, "NotFound"),
    e.ConsumerGroupNotFound: (404, "NotFound"),
    e.ConfigurationAlreadyExists: (409, "Conflict"),
    e.CapabilityAlreadyExists: (409, "Conflict"),
}


def status_of(error: e.HubError) -> tuple[int, str]:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500, "InternalServerError"


def error_response(
    request: Request, status: int, code: str, message: str, reasons: list[str] | None = None
) -> JsonResponse:
    tracking = request_id(request)
    error: dict[str, object] = {
        "code": code,
        "message": message,
        "requestId": tracking,
        "time": formatdate(usegmt=True),
    }
    if reasons:
        error["details"] = [{"code": code, "message": reason} for reason in reasons]
    headers = {"x-ms-error-code": code, "x-ms-request-id": tracking}
    if status == 401:
        headers["WWW-Authenticate"] = "SharedAccessSignature"
    return JsonResponse({"error": error}, status_code=status, headers=headers)


def hub_error_response(request: Request, error: e.HubError) -> Response:
    status, code = status_of(error)
    reasons = getattr(error, "reasons", None)
    return error_response(request, status, code, error.message, reasons)


def invalid_response(request: Request, message: str) -> Response:
    return error_response(request, 400, "BadRequest", message)


def http_error_response(request: Request, error: HTTPException) -> Response:
    code = {404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "BadRequest")
    response = error_response(request, error.status_code, code, str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response
