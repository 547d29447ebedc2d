"""ExportImportDevice lines (wire spec §6.4): one identity and its twin as one JSON object.

    {"id":"d1","eTag":"MQ==","status":"enabled","authentication":{"symmetricKey":{...},
     "type":"sas"},"twinETag":"AAAAAAAAAAI=","tags":{"floor":3},"properties":{"desired":
     {"rate":5,"$metadata":{...},"$version":2},"reported":{...}},"capabilities":{"iotEdge":false}}

This is a file format rather than an HTTP shape, so it lives beside the jobs that read and
write it. A line without `importMode` means Azure's default, createOrUpdate.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson

from fleethub.hub.errors import ArgumentInvalid
from fleethub.hub.jobs.batch_write import ImportItem
from fleethub.hub.registry.bulk import BulkItem
from fleethub.hub.registry.device import Authentication, Identity, IdentitySpec
from fleethub.hub.twins.twin import with_metadata

JSON = dict[str, Any]
T = TypeVar("T")
#: Azure's C# names for the modes bulk.py spells the short way.
_MODE_ALIASES = {"createOrUpdate": "update", "createOrUpdateIfMatchETag": "updateIfMatchETag"}


def export_line(identity: Identity, exclude_keys: bool) -> bytes:
    auth = identity.auth
    twin = identity.twin
    line: JSON = {"id": identity.device_id}
    if identity.module_id is not None:
        line["moduleId"] = identity.module_id
    line.update(
        {
            "eTag": identity.etag,
            "status": identity.status,
            "statusReason": identity.status_reason,
            "authentication": {
                "symmetricKey": {
                    "primaryKey": None if exclude_keys else auth.primary_key,
                    "secondaryKey": None if exclude_keys else auth.secondary_key,
                },
                "x509Thumbprint": {
                    "primaryThumbprint": auth.primary_thumbprint,
                    "secondaryThumbprint": auth.secondary_thumbprint,
                },
                "type": auth.type,
            },
            "twinETag": twin.etag,
            "tags": twin.tags,
            "properties": {
                "desired": with_metadata(twin.desired, twin.desired_metadata, twin.desired_version),
                "reported": with_metadata(
                    twin.reported, twin.reported_metadata, twin.reported_version
                ),
            },
            "capabilities": {"iotEdge": identity.iot_edge},
            "deviceScope": identity.device_scope,
            "parentScopes": identity.parent_scopes,
        }
    )
    return orjson.dumps(line) + b"\n"


def parse_line(raw: bytes, where: str) -> ImportItem:
    """One import line → an ImportItem; ArgumentInvalid names the field that is wrong."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ArgumentInvalid("The line is not valid JSON.") from None
    if not isinstance(doc, dict):
        raise ArgumentInvalid("The line is not a JSON object.")
    device_id = _field(doc, "id", str, None)
    if not device_id:
        raise ArgumentInvalid("The line has no 'id'.")
    mode = _field(doc, "importMode", str, "createOrUpdate")
    properties = _field(doc, "properties", dict, {})
    item = BulkItem(
        device_id=device_id,
        module_id=_field(doc, "moduleId", str, None) or None,
        import_mode=_MODE_ALIASES.get(mode, mode),
        spec=_spec(doc),
        etag=_field(doc, "eTag", str, None),
        twin_etag=_field(doc, "twinETag", str, None),
        tags=_field(doc, "tags", dict, None),
        desired=_document(_field(properties, "desired", dict, None)),
    )
    return ImportItem(item, where, _document(_field(properties, "reported", dict, None)))


def _spec(doc: JSON) -> IdentitySpec:
    auth = _field(doc, "authentication", dict, {})
    keys = _field(auth, "symmetricKey", dict, {})
    prints = _field(auth, "x509Thumbprint", dict, {})
    capabilities = _field(doc, "capabilities", dict, {})
    scopes = _field(doc, "parentScopes", list, [])
    if not all(isinstance(s, str) for s in scopes):
        raise ArgumentInvalid("'parentScopes' must be a list of strings.")
    return IdentitySpec(
        status=_field(doc, "status", str, "enabled"),
        status_reason=_field(doc, "statusReason", str, None),
        auth=Authentication(
            type=_field(auth, "type", str, "sas"),
            primary_key=_field(keys, "primaryKey", str, None) or None,
            secondary_key=_field(keys, "secondaryKey", str, None) or None,
            primary_thumbprint=_field(prints, "primaryThumbprint", str, None) or None,
            secondary_thumbprint=_field(prints, "secondaryThumbprint", str, None) or None,
        ),
        iot_edge=_field(capabilities, "iotEdge", bool, False),
        device_scope=_field(doc, "deviceScope", str, None),
        parent_scopes=tuple(scopes),
    )


def _field(doc: JSON, name: str, kind: type[T], default: T) -> T:
    value = doc.get(name)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise ArgumentInvalid(f"'{name}' must be a JSON {kind.__name__}.")
    return value


def _document(doc: JSON | None) -> JSON | None:
    """A twin section as read back: without the `$metadata` and `$version` the hub keeps."""
    if doc is None:
        return None
    return {k: v for k, v in doc.items() if k not in ("$metadata", "$version")}
