"""Digital Twin Model Identifiers, `dtmi:<segment>(:<segment>)*;<version>` (DTDL v2/v3
specifications and v3 reference, "Digital Twin Model Identifier").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DTMI = 4096  # any DTMI, system ones included
MAX_USER_DTMI = 2048  # the only kind a model may contain
MAX_INTERFACE_ID = 128  # an Interface's @id, in both v2 and v3
RESERVED_PREFIXES = ("dtmi:dtdl:", "dtmi:standard:")

_USER_SEGMENT = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")
# A segment that starts with "_" makes the whole identifier a *system* DTMI.
_SYSTEM_SEGMENT = re.compile(r"^_(?:[A-Za-z0-9_]*[A-Za-z0-9])$")
# 999,999,999 fits a signed 32-bit integer, hence at most nine digits and no leading zero.
_MAJOR = re.compile(r"^[1-9][0-9]{0,8}$")
# A minor part of at most six digits keeps major.minor exact in a double (v3 only).
_MINOR = re.compile(r"^[1-9][0-9]{0,5}$")


class DtmiError(ValueError):
    """A string that is not a DTMI; `rule` is the stable name of the rule broken."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class Dtmi:
    """A parsed DTMI: `dtmi:com:example:Thermostat;1.2` → path (com, example, Thermostat), 1, 2."""

    text: str
    segments: tuple[str, ...]
    major: int | None
    minor: int | None

    @property
    def system(self) -> bool:
        return any(segment.startswith("_") for segment in self.segments)

    @property
    def unversioned(self) -> str:
        """The de-versioned value: the part left of the semicolon."""
        return self.text.partition(";")[0]


def parse_dtmi(text: object, *, dtdl_version: int = 3) -> Dtmi:
    """Parse any DTMI (system ones included); raise `DtmiError` naming the rule broken.

    DTDL v2 requires a one-part version; v3 makes the version optional and allows major.minor.
    """
    if not isinstance(text, str):
        raise DtmiError("dtmi-syntax", f"a DTMI must be a string, not {type(text).__name__}")
    if len(text) > MAX_DTMI:
        raise DtmiError("dtmi-too-long", f"a DTMI is at most {MAX_DTMI} characters")
    if not text.startswith("dtmi:"):
        raise DtmiError("dtmi-syntax", f"{text!r} does not start with 'dtmi:'")
    body, semicolon, version = text[5:].partition(";")
    if ";" in version:
        raise DtmiError("dtmi-syntax", f"{text!r} has more than one ';'")
    segments = tuple(body.split(":"))
    for segment in segments:
        _check_segment(text, segment)
    major, minor = _parse_version(text, version if semicolon else None, dtdl_version)
    return Dtmi(text, segments, major, minor)


def _check_segment(text: str, segment: str) -> None:
    if not segment:
        raise DtmiError("dtmi-segment", f"{text!r} has an empty path segment")
    if _USER_SEGMENT.match(segment) or _SYSTEM_SEGMENT.match(segment):
        return
    raise DtmiError(
        "dtmi-segment",
        f"segment {segment!r} of {text!r} must hold only letters, digits and '_', "
        "start with a letter (or '_' for system segments) and not end with '_'",
    )


def _parse_version(
    text: str, version: str | None, dtdl_version: int
) -> tuple[int | None, int | None]:
    if version is None:
        if dtdl_version < 3:
            raise DtmiError("dtmi-version-required", f"{text!r} needs a ';<version>' in DTDL v2")
        return None, None
    major, dot, minor = version.partition(".")
    if not _MAJOR.match(major):
        raise DtmiError(
            "dtmi-version", f"version of {text!r} must be an integer from 1 to 999999999"
        )
    if not dot:
        return int(major), None
    if dtdl_version < 3:
        raise DtmiError("dtmi-version", f"{text!r}: a major.minor version needs DTDL v3")
    if not _MINOR.match(minor):
        raise DtmiError(
            "dtmi-version", f"minor version of {text!r} must be an integer from 1 to 999999"
        )
    return int(major), int(minor)


def model_dtmi_problem(
    text: object, *, dtdl_version: int, max_length: int = MAX_USER_DTMI
) -> tuple[str, str] | None:
    """(rule, message) if `text` may not appear in a model, else None.

    Models hold only *user* DTMIs: no system segment and at most 2048 characters.
    """
    try:
        dtmi = parse_dtmi(text, dtdl_version=dtdl_version)
    except DtmiError as error:
        return error.rule, error.message
    if dtmi.system:
        return "dtmi-system-segment", f"{dtmi.text!r} has a system segment (starting with '_')"
    if len(dtmi.text) > max_length:
        return "dtmi-too-long", f"{dtmi.text[:40]!r}... is longer than {max_length} characters"
    return None


def id_problem(text: object, *, dtdl_version: int, interface: bool) -> tuple[str, str] | None:
    """(rule, message) if `text` is not a valid `@id`: a user DTMI outside the reserved prefixes."""
    limit = MAX_INTERFACE_ID if interface else MAX_USER_DTMI
    problem = model_dtmi_problem(text, dtdl_version=dtdl_version, max_length=limit)
    if problem is not None:
        return problem
    assert isinstance(text, str)
    for prefix in RESERVED_PREFIXES:
        if text.startswith(prefix):
            return "id-reserved", f"identifiers starting with {prefix!r} are reserved for DTDL"
    return None
