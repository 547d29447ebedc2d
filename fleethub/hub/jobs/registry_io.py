"""Registry export and import jobs (`POST /jobs/create`): ExportImportDevice JSON lines.

Export writes every device, then every module, one JSON object per line, with its twin and
(unless excludeKeysInExport) its keys. Import reads the same lines; a bad line is written to
`importErrors.log` beside the output (as Azure does) while good lines are still applied.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.errors import ArgumentInvalid, HubError
from fleethub.hub.jobs.batch_write import BatchWriter, ImportItem
from fleethub.hub.jobs.control import DONE, Finish, RunControl
from fleethub.hub.jobs.job import COMPLETED, EXPORT, IMPORT, ImportReport, Job
from fleethub.hub.jobs.lines import export_line, parse_line
from fleethub.hub.ports import Blobs, JobStore
from fleethub.hub.registry import bulk
from fleethub.hub.registry.service import Registry
from fleethub.hub.twins.service import Twins

JSON = dict[str, Any]
DEFAULT_BLOB = "devices.txt"
ERRORS_BLOB = "importErrors.log"
PAGE = 1000


def registry_request(
    type_: str,
    blobs: Blobs,
    *,
    input_container: str | None = None,
    input_name: str | None = None,
    output_container: str | None = None,
    output_name: str | None = None,
    exclude_keys: bool = False,
) -> JSON:
    """The stored parameters of an import or export job; the blobs are checked now."""
    if type_ not in (EXPORT, IMPORT):
        raise ArgumentInvalid(f"Job type '{type_[:40]}' is not 'export' or 'import'.")
    if type_ == EXPORT and not output_container:
        raise ArgumentInvalid("An export job needs outputBlobContainerUri.")
    if type_ == IMPORT and not input_container:
        raise ArgumentInvalid("An import job needs inputBlobContainerUri.")
    request: JSON = {"excludeKeys": exclude_keys}
    if input_container:
        request.update(input=input_container, inputName=input_name or DEFAULT_BLOB)
        blobs.check(input_container, request["inputName"])
        if not output_container:
            blobs.check(input_container, ERRORS_BLOB)
    if output_container:
        request.update(output=output_container, outputName=output_name or DEFAULT_BLOB)
        blobs.check(output_container, request["outputName"])
        blobs.check(output_container, ERRORS_BLOB)
    return request


class _Stopped(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class RegistryExport:
    def __init__(self, registry: Registry, twins: Twins, store: JobStore, blobs: Blobs) -> None:
        self._registry = registry
        self._twins = twins
        self._store = store
        self._blobs = blobs

    async def run(self, job: Job, control: RunControl) -> Finish:
        counts = await self._registry.statistics(SYSTEM)
        # A resumed export starts over: the blob is only replaced once it is whole.
        await self._store.reset_counts(job.family, job.job_id, counts.total)
        request = job.request
        lines = self._lines(job, control, bool(request.get("excludeKeys")))
        try:
            await self._blobs.write(request["output"], request["outputName"], lines)
        except _Stopped as stopped:
            return control.finish(stopped.why)
        return DONE

    async def _lines(
        self, job: Job, control: RunControl, exclude_keys: bool
    ) -> AsyncIterator[bytes]:
        for query in ("SELECT * FROM devices", "SELECT * FROM devices.modules"):
            continuation: str | None = None
            while True:
                why = await control.stop()
                if why is not None:
                    raise _Stopped(why)
                page = await self._twins.query(SYSTEM, query, PAGE, continuation)
                for identity in page.twins or []:
                    yield export_line(identity, exclude_keys)
                await self._store.count(job.family, job.job_id, len(page.twins or []), 0)
                await control.pace(len(page.twins or []))
                continuation = page.continuation
                if not continuation:
                    break


class RegistryImport:
    def __init__(self, writer: BatchWriter, store: JobStore, blobs: Blobs) -> None:
        self._writer = writer
        self._store = store
        self._blobs = blobs

    async def run(self, job: Job, control: RunControl) -> Finish:
        """Resumable: lines the job's counters already account for are skipped."""
        request = job.request
        report = ImportReport()
        counted = [0, 0]  # applied, failed: added to the job's counters so far in this run
        skip = job.succeeded + job.failed
        chunk: list[ImportItem] = []
        number = 0
        async for raw in self._blobs.read(request["input"], request["inputName"]):
            number += 1
            if not raw.strip():
                continue
            if skip > 0:
                skip -= 1
                continue
            try:
                chunk.append(parse_line(raw, f"line {number}"))
            except HubError as error:
                report.fail(f"line {number}", error.message)
            if len(chunk) >= bulk.MAX_ITEMS:
                why = await control.stop()
                if why is not None:
                    return control.finish(why)
                await self._flush(job, chunk, report, counted)
                await control.pace(len(chunk))
                chunk = []
        await self._flush(job, chunk, report, counted)
        if not report.errors:
            return DONE
        await self._write_errors(request, report)
        where, message = report.errors[0]
        total = report.applied + len(report.errors)
        reason = (
            f"{len(report.errors)} of {total} lines failed (see {ERRORS_BLOB}); "
            f"first: {where}: {message}"
        )
        return Finish(COMPLETED, reason=reason)

    async def _flush(
        self, job: Job, chunk: list[ImportItem], report: ImportReport, counted: list[int]
    ) -> None:
        if chunk:
            await self._writer.write(chunk, report)
        applied, failed = report.applied - counted[0], len(report.errors) - counted[1]
        if applied or failed:
            await self._store.count(job.family, job.job_id, applied, failed)
            counted[0], counted[1] = report.applied, len(report.errors)

    async def _write_errors(self, request: JSON, report: ImportReport) -> None:
        container = request.get("output") or request["input"]

        async def lines() -> AsyncIterator[bytes]:
            for where, message in report.errors:
                yield orjson.dumps({"where": where, "errorMessage": message}) + b"\n"

        await self._blobs.write(container, ERRORS_BLOB, lines())
