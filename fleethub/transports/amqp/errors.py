"""Domain error → AMQP error condition (OASIS AMQP 1.0 Part 2 §2.8.15-§2.8.18).

The one table for this face: a rejected C2D delivery or a refused link carries the
condition below and the domain error's message as its description. A test checks that
every class in hub/errors.py is here.
"""

from __future__ import annotations

from fleethub.hub import errors
from fleethub.transports.amqp.performatives import Error

CONDITIONS: dict[type[errors.HubError], str] = {
    errors.ArgumentInvalid: "amqp:invalid-field",
    errors.DeviceDefinedMultipleTimes: "amqp:invalid-field",
    errors.ArgumentNull: "amqp:invalid-field",
    errors.DeviceNotFound: "amqp:not-found",
    errors.ModuleNotFound: "amqp:not-found",
    errors.DeviceAlreadyExists: "amqp:not-allowed",
    errors.ModuleAlreadyExists: "amqp:not-allowed",
    errors.PreconditionFailed: "amqp:precondition-failed",
    errors.Unauthorized: "amqp:unauthorized-access",
    errors.Forbidden: "amqp:unauthorized-access",
    errors.TwinTooLarge: "amqp:resource-limit-exceeded",
    errors.TwinTooDeep: "amqp:invalid-field",
    errors.QuerySyntaxInvalid: "amqp:invalid-field",
    errors.QueryUnsupported: "amqp:not-implemented",
    errors.DeviceNotOnline: "amqp:not-found",
    errors.GatewayTimeout: "com.microsoft:timeout",
    errors.TooManyDevices: "amqp:resource-limit-exceeded",
    errors.ThrottlingException: "com.microsoft:server-busy",
    errors.MessageTooLarge: "amqp:link:message-size-exceeded",
    errors.ServiceUnavailable: "com.microsoft:server-busy",
    errors.DeviceMaximumQueueDepthExceeded: "amqp:resource-limit-exceeded",
    errors.DeviceMessageLockLost: "com.microsoft:message-lock-lost",
    errors.ModelNotFound: "amqp:not-found",
    errors.ModelInUse: "amqp:resource-locked",
    errors.ModelInvalid: "amqp:invalid-field",
    errors.PayloadInvalid: "amqp:invalid-field",
    errors.CapabilityNotFound: "amqp:not-found",
    errors.CapabilityAlreadyExists: "amqp:not-allowed",
    errors.CommandNotFound: "amqp:not-found",
    errors.ApiTokenNotFound: "amqp:not-found",
    errors.ApiTokenAlreadyExists: "amqp:not-allowed",
    errors.FilterInvalid: "amqp:invalid-field",
    errors.JobNotFound: "amqp:not-found",
    errors.JobAlreadyExists: "amqp:not-allowed",
    errors.RemoteUnreachable: "com.microsoft:server-busy",
    errors.ConfigurationNotFound: "amqp:not-found",
    errors.ConsumerGroupNotFound: "amqp:not-found",
    errors.ConfigurationAlreadyExists: "amqp:not-allowed",
}


def amqp_error(error: errors.HubError) -> Error:
    """The AMQP error for a domain error (its nearest mapped base class wins)."""
    for cls in type(error).__mro__:
        condition = CONDITIONS.get(cls)
        if condition is not None:
            return Error(condition=condition, description=error.message)
    return Error(condition="amqp:internal-error", description=error.message)
