"""Domain errors → the portal's answer: an HTML page, or for htmx a fragment to swap in.

A test checks every `hub.errors` class has a row here, as every API face's errors.py does.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from fleethub.hub import errors as e
from fleethub.web import templating

#: error class → (HTTP status, heading shown above the hub's message).
STATUS: dict[type[e.HubError], tuple[int, str]] = {
    e.ArgumentInvalid: (400, "That value is not accepted"),
    e.ArgumentNull: (400, "A value is missing"),
    e.DeviceNotFound: (404, "No such device"),
    e.ModuleNotFound: (404, "No such module"),
    e.DeviceAlreadyExists: (409, "That device already exists"),
    e.ModuleAlreadyExists: (409, "That module already exists"),
    e.PreconditionFailed: (409, "Someone else changed this first"),
    e.Unauthorized: (401, "Please sign in"),
    e.Forbidden: (403, "Your role does not allow this"),
    e.TwinTooLarge: (400, "The twin would be too large"),
    e.TwinTooDeep: (400, "The twin would be nested too deeply"),
    e.QuerySyntaxInvalid: (400, "The query is not valid"),
    e.QueryUnsupported: (400, "The query is not supported"),
    e.DeviceNotOnline: (409, "The device is not connected"),
    e.GatewayTimeout: (504, "The device did not answer in time"),
    e.TooManyDevices: (400, "Too many devices"),
    e.ThrottlingException: (429, "Too many requests; try again shortly"),
    e.MessageTooLarge: (413, "The message is too large"),
    e.ServiceUnavailable: (503, "The hub's store is not answering"),
    e.DeviceMaximumQueueDepthExceeded: (409, "The device's message queue is full"),
    e.DeviceMessageLockLost: (409, "The message was already settled"),
    e.ModelNotFound: (404, "No such model"),
    e.ModelInUse: (409, "Devices still use this model"),
    e.ModelInvalid: (400, "The model is not valid DTDL"),
    e.PayloadInvalid: (400, "The payload does not match the model"),
    e.CapabilityNotFound: (404, "The model has no such capability"),
    e.CommandNotFound: (404, "No such command"),
    e.ApiTokenNotFound: (404, "No such API token"),
    e.ApiTokenAlreadyExists: (409, "That API token already exists"),
    e.FilterInvalid: (400, "The filter is not valid"),
    e.JobNotFound: (404, "No such job"),
    e.JobAlreadyExists: (409, "That job already exists"),
    e.RemoteUnreachable: (502, "The other hub could not be reached"),
    e.ConfigurationNotFound: (404, "No such configuration"),
    e.ConfigurationAlreadyExists: (409, "That configuration already exists"),
    e.CapabilityAlreadyExists: (409, "The model already has that capability"),
    e.ConsumerGroupNotFound: (404, "No such consumer group"),
    e.DeviceDefinedMultipleTimes: (400, "A device is listed more than once"),
}


def status_of(error: e.HubError) -> tuple[int, str]:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400, "The hub refused this"


def hub_error_response(request: Request, error: e.HubError) -> HTMLResponse:
    status, title = status_of(error)
    return error_response(request, status, title, error.message)


def error_response(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """A full error page, or the alert fragment alone for an htmx request."""
    name = "_alert.html" if request.headers.get("hx-request") else "error.html"
    context = {"status": status, "title": title, "message": message, "kind": "error"}
    return templating.render(request, name, context, status=status)
