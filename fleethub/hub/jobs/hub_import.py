"""Hub-to-hub import (seed 003, `iothubgdr`): bring every device of another IoT hub here.

The secret is an IoT Hub connection string (`HostName=h;SharedAccessKeyName=n;
SharedAccessKey=k`) or the Event Hub-compatible form the seed shows (`Endpoint=sb://ns/;
SharedAccessKeyName=n;SharedAccessKey=k;EntityPath=hub`, the hub being `hub.azure-devices.net`).
It lives only in this process's memory: never stored, never logged. So an import interrupted
by a restart fails with a message saying to post it again (re-importing is harmless).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from fleethub.hub.errors import ArgumentInvalid, RemoteUnreachable, Unauthorized
from fleethub.hub.jobs.batch_write import BatchWriter, ImportItem
from fleethub.hub.jobs.control import DONE, Finish, RunControl
from fleethub.hub.jobs.job import (
    COMPLETED,
    FAILED,
    ImportReport,
    Job,
    RemoteDevice,
    SourceCredentials,
)
from fleethub.hub.ports import JobStore, SourceHub
from fleethub.hub.registry.bulk import BulkItem
from fleethub.hub.registry.device import Authentication, IdentitySpec

JSON = dict[str, Any]
INVALID_SECRET = "invalid secret provided"  # noqa: S105 - the message seed 003 shows, not a secret
RESTARTED = (
    "The hub restarted before the import finished. The secret is never stored, so the import "
    "cannot resume: post it again (devices already imported are updated, not duplicated)."
)
#: The tag every imported device carries, naming the location the import was asked for.
LOCATION_TAG = "arc_home_location_identity"
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$")
_ENTITY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$")


class InvalidSecret(ArgumentInvalid):
    """The secret is not one of the two forms; its text is never put in a message."""

    def __init__(self) -> None:
        super().__init__(INVALID_SECRET)


def parse_secret(secret: str) -> SourceCredentials:
    """`HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=...`
    → SourceCredentials("hub.azure-devices.net", "iothubowner", "...")."""
    fields: dict[str, str] = {}
    for part in secret.strip().split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise InvalidSecret
        fields[name.strip().lower()] = value.strip()
    key_name, key = fields.get("sharedaccesskeyname"), fields.get("sharedaccesskey")
    if not key_name or not key or not _is_base64(key):
        raise InvalidSecret
    host = fields.get("hostname")
    if host is None:
        endpoint, entity = fields.get("endpoint", ""), fields.get("entitypath", "")
        if not endpoint.lower().startswith("sb://") or not _ENTITY.match(entity):
            raise InvalidSecret
        host = f"{entity}.azure-devices.net"
    if not _HOST.match(host):
        raise InvalidSecret
    return SourceCredentials(host=host.lower(), key_name=key_name, key=key)


def _is_base64(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) > 0
    except (binascii.Error, ValueError):
        return False


def hub_import_request(display_name: str, location: str) -> JSON:
    return {"displayName": display_name, "location": location}


def to_item(device: RemoteDevice, location: str) -> ImportItem:
    """A source device as an import item: create or update, tagged with the location."""
    spec = IdentitySpec(
        status=device.status,
        status_reason=device.status_reason,
        auth=Authentication(
            type=device.auth_type,
            primary_key=device.primary_key,
            secondary_key=device.secondary_key,
            primary_thumbprint=device.primary_thumbprint,
            secondary_thumbprint=device.secondary_thumbprint,
        ),
        iot_edge=device.iot_edge,
    )
    tags = {**device.tags, LOCATION_TAG: location}
    item = BulkItem(device.device_id, None, "update", spec, tags=tags, desired=device.desired)
    return ImportItem(item, device.device_id)


class HubImport:
    def __init__(
        self,
        writer: BatchWriter,
        store: JobStore,
        source: SourceHub,
        credentials: dict[str, SourceCredentials],
    ) -> None:
        self._writer = writer
        self._store = store
        self._source = source
        self._credentials = credentials

    async def run(self, job: Job, control: RunControl) -> Finish:
        credentials = self._credentials.pop(job.job_id, None)
        if credentials is None:
            return Finish(FAILED, RESTARTED)
        location = job.request["location"]
        first_error: str | None = None
        try:
            async for page in self._source.devices(credentials):
                why = await control.stop()
                if why is not None:
                    return control.finish(why)
                report = ImportReport()
                for start in range(0, len(page), 100):
                    chunk = [to_item(d, location) for d in page[start : start + 100]]
                    await self._writer.write(chunk, report)
                first_error = first_error or _first(report)
                await self._store.count(job.family, job.job_id, report.applied, len(report.errors))
                await control.pace(len(page))
        except Unauthorized:
            return Finish(FAILED, INVALID_SECRET)
        except RemoteUnreachable as error:
            return Finish(FAILED, error.message)
        if first_error is not None:
            return Finish(COMPLETED, reason=f"Some devices were not imported; first: {first_error}")
        return DONE


def _first(report: ImportReport) -> str | None:
    if not report.errors:
        return None
    where, message = report.errors[0]
    return f"{where}: {message}"
