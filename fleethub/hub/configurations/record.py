"""A configuration as the hub keeps it, the rules its fields obey, and the twin patches its
content stands for.

Content keys are twin paths, as Azure writes them: `{"properties.desired.fw.version": "2"}`
in `deviceContent`, and per module `{"properties.desired": {...}}` (the module's whole desired
document) or `{"properties.desired.modules.sim": {...}}` (one part of it) in `modulesContent`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fleethub.hub import ids
from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.twins import patch as rules

JSON = dict[str, Any]

_ID = re.compile(r"^[a-z0-9\-:+%_#*?!(),=@;$']{1,128}$")
DESIRED = "properties.desired"
MAX_PRIORITY = 2**31 - 1
MAX_LABELS = 100
MAX_METRICS = 100
DEVICE, MODULES = "device", "modules"
#: Per-device states, as a twin's `configurations.[[id]].status` shows them in Azure.
TARGETED, APPLIED = "Targeted", "Applied"
SUCCESS, FAILURE = "success", "failure"


@dataclass(frozen=True, slots=True)
class Content:
    """`deviceContent` or `modulesContent` (exactly one is non-empty once checked)."""

    device: JSON = field(default_factory=dict)
    modules: dict[str, JSON] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return DEVICE if self.device else MODULES

    def device_patch(self) -> JSON:
        """The desired-properties merge patch of `deviceContent`.

        >>> Content(device={"properties.desired.a.b": 1}).device_patch()
        {'a': {'b': 1}}
        """
        whole, patch = split(self.device, "deviceContent")
        return combine(whole or {}, patch)


@dataclass(frozen=True, slots=True)
class Configuration:
    id: str
    content: Content
    target_condition: str = ""
    priority: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    metric_queries: dict[str, str] = field(default_factory=dict)
    schema_version: str = "1.0"
    created_time: float = 0.0
    updated_time: float = 0.0
    etag_seq: int = 1

    @property
    def etag(self) -> str:
        """Unquoted, e.g. `MQ==`, as the SDK's configuration manager sends it back."""
        return ids.identity_etag(self.etag_seq)

    @property
    def rank(self) -> tuple[int, float, str]:
        """Higher wins: priority, then the most recently created (Azure's tie rule)."""
        return (self.priority, self.created_time, self.id)


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """Where one configuration stands on one device; `outcome` only for deployments."""

    status: str
    outcome: str | None = None


def check_id(configuration_id: str) -> str:
    if not _ID.match(configuration_id):
        raise ArgumentInvalid(
            f"Configuration id '{configuration_id[:140]}' is invalid: use 1-128 lower-case "
            "letters, digits or - : + % _ # * ? ! ( ) , = @ ; $ '"
        )
    return configuration_id


def check(configuration: Configuration) -> None:
    """Raise ArgumentInvalid unless every field obeys Azure's rules."""
    check_id(configuration.id)
    if not 0 <= configuration.priority <= MAX_PRIORITY:
        raise ArgumentInvalid("priority must be a non-negative 32-bit integer.")
    if len(configuration.labels) > MAX_LABELS:
        raise ArgumentInvalid(f"A configuration may carry at most {MAX_LABELS} labels.")
    if len(configuration.metric_queries) > MAX_METRICS:
        raise ArgumentInvalid(f"A configuration may define at most {MAX_METRICS} metrics.")
    check_content(configuration.content)


def check_content(content: Content) -> None:
    if bool(content.device) == bool(content.modules):
        raise ArgumentInvalid(
            "content must hold exactly one of deviceContent or modulesContent "
            "(moduleContent, for module twins, is not supported)."
        )
    if content.device:
        rules.check_document(content.device_patch(), "deviceContent", allow_null=True)
    for module_id, section in content.modules.items():
        ids.check_module_id(module_id)
        module_patches(section, module_id)


def module_patches(section: JSON, module_id: str) -> tuple[JSON | None, JSON]:
    """(whole desired document or None, merge patch) of one module's content, checked."""
    if not isinstance(section, dict) or not section:
        raise ArgumentInvalid(f"modulesContent.{module_id} must be a non-empty object.")
    whole, patch = split(section, f"modulesContent.{module_id}")
    where = f"modulesContent.{module_id}"
    if whole is not None:
        rules.check_document(whole, f"{where}.{DESIRED}", allow_null=False)
    rules.check_document(patch, where, allow_null=True)
    return whole, patch


def split(section: JSON, where: str) -> tuple[JSON | None, JSON]:
    """Split content keys into the whole desired document and a merge patch.

    >>> split({"properties.desired": {"a": 1}, "properties.desired.b.c": 2}, "x")
    ({'a': 1}, {'b': {'c': 2}})
    """
    whole: JSON | None = None
    patch: JSON = {}
    for key, value in section.items():
        if key == DESIRED:
            if not isinstance(value, dict):
                raise ArgumentInvalid(f"{where}['{DESIRED}'] must be an object.")
            whole = value
            continue
        if not key.startswith(DESIRED + "."):
            raise ArgumentInvalid(
                f"{where} key '{key[:140]}' must be '{DESIRED}' or start with '{DESIRED}.' "
                "(configurations set desired properties only)."
            )
        path = key[len(DESIRED) + 1 :].split(".")
        if any(not part for part in path):
            raise ArgumentInvalid(f"{where} key '{key[:140]}' has an empty path segment.")
        patch = combine(patch, _nest(path, value))
    return whole, patch


def combine(first: JSON, second: JSON) -> JSON:
    """Two merge patches as one; unlike applying a patch, a null stays (it removes a key
    from the twin later).

    >>> combine({"a": {"b": 1}}, {"a": {"c": None}})
    {'a': {'b': 1, 'c': None}}
    """
    result = dict(first)
    for key, value in second.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = combine(result[key], value)
        else:
            result[key] = value
    return result


def _nest(path: list[str], value: Any) -> JSON:
    node: Any = value
    for part in reversed(path):
        node = {part: node}
    result: JSON = node
    return result


def outcome_of(agent_desired_version: int, agent_reported: JSON) -> str | None:
    """An IoT Edge agent's verdict on its current desired properties, or None before it
    reports on this version: `lastDesiredVersion` and `lastDesiredStatus.code` (200 = good).
    """
    status = agent_reported.get("lastDesiredStatus")
    if agent_reported.get("lastDesiredVersion") != agent_desired_version:
        return None
    if not isinstance(status, dict) or not isinstance(status.get("code"), int):
        return None
    return SUCCESS if status["code"] == 200 else FAILURE
