"""Domain errors → Azure IoT Hub status codes and error bodies.

Body: ``{"Message": "ErrorCode:<code>;<text>", "ExceptionMessage": "Tracking ID:<id>-G:0-
TimeStamp:<time>"}`` plus an ``iothub-errorcode`` header, as IoT Hub answers.
"""

from __future__ import annotations

import time

from fastapi import Request

from fleethub.http import JsonResponse, request_id
from fleethub.hub import errors as e

#: error class → (HTTP status, Azure ErrorCode). A test checks every hub error is here.
STATUS: dict[type[e.HubError], tuple[int, str]] = {
    e.ArgumentInvalid: (400, "ArgumentInvalid"),
    e.DeviceDefinedMultipleTimes: (400, "DeviceDefinedMultipleTimes"),
    e.ArgumentNull: (400, "ArgumentNull"),
    e.DeviceNotFound: (404, "DeviceNotFound"),
    e.ModuleNotFound: (404, "ModuleNotFound"),
    e.DeviceAlreadyExists: (409, "DeviceAlreadyExists"),
    e.ModuleAlreadyExists: (409, "ModuleAlreadyExists"),
    e.PreconditionFailed: (412, "PreconditionFailed"),
    e.Unauthorized: (401, "IotHubUnauthorizedAccess"),
    e.Forbidden: (403, "IotHubUnauthorizedAccess"),
    e.TwinTooLarge: (400, "TooManyTwinBytes"),
    e.TwinTooDeep: (400, "ArgumentInvalid"),
    e.QuerySyntaxInvalid: (400, "SqlQueryInvalid"),
    e.QueryUnsupported: (400, "SqlQueryInvalid"),
    e.DeviceNotOnline: (404, "DeviceNotOnline"),
    e.GatewayTimeout: (504, "GatewayTimeout"),
    e.TooManyDevices: (400, "TooManyDevices"),
    e.ThrottlingException: (429, "ThrottlingException"),
    e.MessageTooLarge: (413, "MessageTooLarge"),
    e.ServiceUnavailable: (503, "ServerBusy"),
    e.DeviceMaximumQueueDepthExceeded: (403, "DeviceMaximumQueueDepthExceeded"),
    e.DeviceMessageLockLost: (412, "DeviceMessageLockLost"),
    e.JobNotFound: (404, "JobNotFound"),
    e.JobAlreadyExists: (409, "JobAlreadyExists"),
    e.RemoteUnreachable: (400, "BlobContainerValidationError"),
    # Device models and IoT Central (issue #4): no Azure IoT Hub equivalent, so named as ours.
    e.ModelNotFound: (404, "ModelNotFound"),
    e.ModelInUse: (409, "ModelInUse"),
    e.ModelInvalid: (400, "ArgumentInvalid"),
    e.PayloadInvalid: (400, "ArgumentInvalid"),
    e.CapabilityNotFound: (404, "CapabilityNotFound"),
    e.CommandNotFound: (404, "CommandNotFound"),
    e.ApiTokenNotFound: (404, "ApiTokenNotFound"),
    e.ApiTokenAlreadyExists: (409, "ApiTokenAlreadyExists"),
    e.FilterInvalid: (400, "ArgumentInvalid"),
    # IoT Hub configurations and the Portal API (issue #5).
    e.ConfigurationNotFound: (404, "ConfigurationNotFound"),
    e.ConsumerGroupNotFound: (404, "ConsumerGroupNotFound"),
    e.ConfigurationAlreadyExists: (409, "ConfigurationAlreadyExists"),
    e.CapabilityAlreadyExists: (409, "CapabilityAlreadyExists"),
}


def status_of(error: e.HubError) -> tuple[int, str]:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500, "ServerError"


def error_response(request: Request, status: int, code: str, message: str) -> JsonResponse:
    tracking = request_id(request)
    stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime())
    body = {
        "Message": f"ErrorCode:{code};{message}",
        "ExceptionMessage": f"Tracking ID:{tracking}-G:0-TimeStamp:{stamp}",
    }
    headers = {"iothub-errorcode": code, "x-ms-request-id": tracking}
    if status == 401:
        headers["WWW-Authenticate"] = "SharedAccessSignature"
    return JsonResponse(body, status_code=status, headers=headers)


def hub_error_response(request: Request, error: e.HubError) -> JsonResponse:
    status, code = status_of(error)
    return error_response(request, status, code, error.message)
