"""Domain errors → archivist answers: HTTP status and a google.rpc.Status body.

Body: `{"code": 5, "message": "...", "details": []}` with the gRPC code (the archivist API
is grpc-gateway; its OpenAPI names `googlerpcStatus` as the error schema).
"""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException

from fleethub.http import JsonResponse
from fleethub.hub import errors as e

INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS = 3, 4, 5, 6
PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 7, 8, 9
UNIMPLEMENTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED = 12, 13, 14, 16

#: error class → (HTTP status, gRPC code). tests/api/test_error_coverage.py checks it is whole.
STATUS: dict[type[e.HubError], tuple[int, int]] = {
    e.ArgumentInvalid: (400, INVALID_ARGUMENT),
    e.DeviceDefinedMultipleTimes: (400, INVALID_ARGUMENT),
    e.ArgumentNull: (400, INVALID_ARGUMENT),
    e.DeviceNotFound: (404, NOT_FOUND),
    e.ModuleNotFound: (404, NOT_FOUND),
    e.DeviceAlreadyExists: (409, ALREADY_EXISTS),
    e.ModuleAlreadyExists: (409, ALREADY_EXISTS),
    e.PreconditionFailed: (412, FAILED_PRECONDITION),
    e.Unauthorized: (401, UNAUTHENTICATED),
    e.Forbidden: (403, PERMISSION_DENIED),
    e.TwinTooLarge: (400, INVALID_ARGUMENT),
    e.TwinTooDeep: (400, INVALID_ARGUMENT),
    e.QuerySyntaxInvalid: (400, INVALID_ARGUMENT),
    e.QueryUnsupported: (400, INVALID_ARGUMENT),
    e.DeviceNotOnline: (404, NOT_FOUND),
    e.GatewayTimeout: (504, DEADLINE_EXCEEDED),
    e.TooManyDevices: (400, INVALID_ARGUMENT),
    e.ThrottlingException: (429, RESOURCE_EXHAUSTED),
    e.MessageTooLarge: (413, INVALID_ARGUMENT),
    e.ServiceUnavailable: (503, UNAVAILABLE),
    e.DeviceMaximumQueueDepthExceeded: (429, RESOURCE_EXHAUSTED),
    e.DeviceMessageLockLost: (412, FAILED_PRECONDITION),
    e.ModelNotFound: (404, NOT_FOUND),
    e.ModelInUse: (409, FAILED_PRECONDITION),
    e.ModelInvalid: (400, INVALID_ARGUMENT),
    e.PayloadInvalid: (400, INVALID_ARGUMENT),
    e.CapabilityNotFound: (404, NOT_FOUND),
    e.CommandNotFound: (404, NOT_FOUND),
    e.ApiTokenNotFound: (404, NOT_FOUND),
    e.ApiTokenAlreadyExists: (409, ALREADY_EXISTS),
    e.FilterInvalid: (400, INVALID_ARGUMENT),
    e.JobNotFound: (404, NOT_FOUND),
    e.JobAlreadyExists: (409, ALREADY_EXISTS),
    e.RemoteUnreachable: (502, UNAVAILABLE),
    e.ConfigurationNotFound: (404, NOT_FOUND),
    e.ConsumerGroupNotFound: (404, NOT_FOUND),
    e.ConfigurationAlreadyExists: (409, ALREADY_EXISTS),
    e.CapabilityAlreadyExists: (409, ALREADY_EXISTS),
}
_HTTP_CODES = {401: UNAUTHENTICATED, 403: PERMISSION_DENIED, 404: NOT_FOUND, 405: UNIMPLEMENTED}


def error_response(status: int, code: int, message: str) -> JsonResponse:
    body = {"code": code, "message": message, "details": []}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JsonResponse(body, status_code=status, headers=headers)


def status_of(error: e.HubError) -> tuple[int, int]:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500, INTERNAL


def hub_error_response(request: Request, error: e.HubError) -> JsonResponse:
    status, code = status_of(error)
    return error_response(status, code, error.message)


def invalid_response(description: str) -> JsonResponse:
    """`description` names the fields, never their values: a body here may carry a secret."""
    return error_response(400, INVALID_ARGUMENT, description)


def http_error_response(request: Request, error: HTTPException) -> JsonResponse:
    code = _HTTP_CODES.get(error.status_code, INVALID_ARGUMENT)
    response = error_response(error.status_code, code, str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response
