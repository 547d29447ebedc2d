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
