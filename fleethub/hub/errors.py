"""Every domain error the hub raises. Faces map each class to their own wire format.

Names follow the condition (Azure's ErrorCode names where Azure has one), never an HTTP
status; `api/<face>/errors.py` owns the mapping, and a test checks every class is mapped.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of all domain errors; `message` is safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ArgumentInvalid(HubError):
    """A value breaks a rule of the domain (id syntax, key length, limits...)."""


class ArgumentNull(HubError):
    """A required value is missing."""


class DeviceDefinedMultipleTimes(ArgumentInvalid):
    """A bulk registry request names the same identity twice (Azure's 400011)."""


class DeviceNotFound(HubError):
    pass


class ModuleNotFound(HubError):
    pass


class DeviceAlreadyExists(HubError):
    pass


class ModuleAlreadyExists(HubError):
    pass


class PreconditionFailed(HubError):
    """An If-Match ETag does not match the current one."""


class Unauthorized(HubError):
    """The credential is missing, malformed, expired or does not verify."""


class Forbidden(HubError):
    """The credential is valid but lacks the permission the operation needs."""


class TwinTooLarge(HubError):
    """A twin section would exceed Azure's size limit."""


class TwinTooDeep(HubError):
    """A twin document nests deeper than Azure allows."""


class QuerySyntaxInvalid(HubError):
    """A query does not parse; the message names the position and what was expected."""


class QueryUnsupported(HubError):
    """A query parses but uses something this hub does not evaluate."""


class DeviceNotOnline(HubError):
    pass


class GatewayTimeout(HubError):
    """The device did not answer a direct method within its response timeout."""


class TooManyDevices(HubError):
    """A bulk request carries more identities than one call may."""


class ThrottlingException(HubError):
    pass


class MessageTooLarge(HubError):
    pass


class ServiceUnavailable(HubError):
    """A dependency (store or bus) is down; the caller may retry."""


class DeviceMaximumQueueDepthExceeded(HubError):
    """The device's cloud-to-device queue already holds the maximum number of messages."""


class DeviceMessageLockLost(HubError):
    """A C2D lock token is unknown or its lock has lapsed."""


# Device models and the IoT Central-style API (issue #4).


class ModelNotFound(HubError):
    """No model (device template) with that id is in the catalogue."""


class ModelInUse(HubError):
    """A model cannot be deleted while identities still use it."""


class ModelInvalid(HubError):
    """A model document breaks DTDL or IoT Central rules; `reasons` name each problem."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


class PayloadInvalid(HubError):
    """A property value or command request does not conform to the device's model."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []


class CapabilityNotFound(HubError):
    """The device's model has no telemetry, property or command of that name (or no value)."""


class CommandNotFound(HubError):
    """No command invocation with that id was made on the device."""


class ApiTokenNotFound(HubError):
    pass


class ApiTokenAlreadyExists(HubError):
    pass


class FilterInvalid(HubError):
    """An OData $filter/filter or orderby does not parse, or uses what is not supported."""


class JobNotFound(HubError):
    pass


class JobAlreadyExists(HubError):
    pass


class RemoteUnreachable(HubError):
    """A system the hub calls out to (an import source hub, an export destination) could not
    be reached or refused the request; the message names it, never its credentials."""


# The Portal API and IoT Hub configurations (issue #5).


class ConfigurationNotFound(HubError):
    pass


class ConfigurationAlreadyExists(HubError):
    pass


class CapabilityAlreadyExists(HubError):
    """The model already has a command (telemetry, property) of that name."""


# The Event Hub-compatible built-in endpoint (issue #8).


class ConsumerGroupNotFound(HubError):
    """No consumer group of that name on the built-in endpoint."""
