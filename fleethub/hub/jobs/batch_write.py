"""Write a batch of ExportImportDevice items: what registry imports and hub imports share.

Devices that do not exist yet are created with their twin in one insert (the fast path that
makes importing a fleet take seconds); everything else goes through `registry.bulk.apply`,
so import modes mean exactly what they mean for POST /devices. A failing item never stops
the others: it is reported with where it came from (`line 12`, or the device id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fleethub.hub import ids
from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.clock import Clock, iso
from fleethub.hub.errors import HubError
from fleethub.hub.jobs.job import ImportReport
from fleethub.hub.registry import bulk
from fleethub.hub.registry.device import Identity
from fleethub.hub.registry.service import Registry, already_exists
from fleethub.hub.twins import patch as rules
from fleethub.hub.twins.service import Twins
from fleethub.hub.twins.twin import TwinState

JSON = dict[str, Any]
Key = tuple[str, str | None]
_CREATING = ("create", "update")


@dataclass(frozen=True, slots=True)
class ImportItem:
    item: bulk.BulkItem
    where: str
    reported: JSON | None = None
    """Reported properties: applied as if the device had reported them (Azure ignores them on
    import; fleethub restores them so an export → import round trip is exact)."""

    @property
    def key(self) -> Key:
        return (self.item.device_id, self.item.module_id)


class BatchWriter:
    def __init__(self, registry: Registry, twins: Twins, clock: Clock) -> None:
        self._registry = registry
        self._twins = twins
        self._clock = clock

    async def write(self, items: Sequence[ImportItem], report: ImportReport) -> None:
        """Apply up to `bulk.MAX_ITEMS` items in order; count what worked.

        An id that comes twice (create, then updateTwin) is applied in two rounds, so that
        each round holds an id once and can be written as one batch.
        """
        rounds: list[list[ImportItem]] = []
        seen: dict[Key, int] = {}
        for item in items:
            turn = seen.get(item.key, 0)
            seen[item.key] = turn + 1
            if turn == len(rounds):
                rounds.append([])
            rounds[turn].append(item)
        for batch in rounds:
            await self._write_round(batch, report)

    async def _write_round(self, items: Sequence[ImportItem], report: ImportReport) -> None:
        """Devices before modules, new devices in one insert, the rest through bulk.apply."""
        created, failed = await self._create_new(items, report)
        rest = [i for i in items if i.key not in created and i.key not in failed]
        where = {i.key: i.where for i in rest}
        for group in ([i for i in rest if i.item.module_id is None],
                      [i for i in rest if i.item.module_id is not None]):  # fmt: skip
            if not group:
                continue
            result = await bulk.apply(self._registry, self._twins, SYSTEM, [i.item for i in group])
            for error in result.errors:
                key = (error.device_id, error.module_id)
                failed.add(key)
                report.fail(where.get(key, error.device_id), error.error.message)
        for item in rest:
            if item.key in failed:
                continue
            if item.reported and not item.item.import_mode.startswith("delete"):
                try:
                    await self._twins.patch_reported(*item.key, item.reported)
                except HubError as error:
                    report.fail(item.where, error.message)
                    continue
            report.applied += 1
        report.applied += len(created)

    async def _create_new(
        self, items: Sequence[ImportItem], report: ImportReport
    ) -> tuple[set[Key], set[Key]]:
        """Insert the devices that are new in one transaction, each with its twin."""
        candidates = [
            i for i in items if i.item.module_id is None and i.item.import_mode in _CREATING
        ]
        failed: set[Key] = set()
        fresh: list[Identity] = []
        now = iso(self._clock())
        batch = self._registry.new_identities(len(candidates))
        for item in candidates:
            try:
                ids.check_device_id(item.item.device_id)
                spec = item.item.spec
                identity = self._registry.new_identity(item.item.device_id, None, spec, batch)
                identity.twin = seeded_twin(item, now)
            except HubError as error:
                report.fail(item.where, error.message)
                failed.add(item.key)
                continue
            fresh.append(identity)
        taken = {(i.device_id, i.module_id) for i in await self._registry.insert_many(fresh)}
        for item in candidates:
            if item.key in taken and item.item.import_mode == "create":
                report.fail(item.where, already_exists(*item.key).message)
                failed.add(item.key)
        created = {(i.device_id, i.module_id) for i in fresh} - taken
        return created, failed


def seeded_twin(source: ImportItem, now: str) -> TwinState:
    """The twin of a new device as if created empty and then patched with the item's sections."""
    tags = _section(source.item.tags, "tags")
    desired = _section(source.item.desired, "properties.desired")
    reported = _section(source.reported, "properties.reported")
    twin = TwinState(tags=tags)
    if desired:
        twin.desired = desired
        twin.desired_version = 2
        twin.desired_metadata = rules.replace_metadata(desired, now, 2)
    if reported:
        twin.reported = reported
        twin.reported_version = 2
        twin.reported_metadata = rules.replace_metadata(reported, now, None)
    twin.version = 1 + bool(tags or desired) + bool(reported)
    return twin


def _section(doc: JSON | None, name: str) -> JSON:
    if not doc:
        return {}
    rules.check_document(doc, name, allow_null=True)
    merged = rules.merge({}, doc)  # a null in an import line means "absent"
    rules.check_size(merged, name)
    return merged
