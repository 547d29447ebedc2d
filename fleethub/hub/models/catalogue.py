"""The one model catalogue: device templates (seed 004) and DTDL models, validated on every
write, with compiled validators cached for the telemetry hot path.

A Portal DeviceModel and an IoT Central device template are two views of one ModelRecord;
an identity's `model_id` points at it (ARCHITECTURE.md, "One model catalogue").
"""

from __future__ import annotations

import builtins
import dataclasses
import logging
import time
from dataclasses import dataclass

import orjson

from fleethub.hub import ids
from fleethub.hub.auth.principal import Permission, Principal, require
from fleethub.hub.clock import Clock
from fleethub.hub.errors import (
    ArgumentInvalid,
    FilterInvalid,
    ModelInUse,
    ModelInvalid,
    ModelNotFound,
    PreconditionFailed,
)
from fleethub.hub.models import template
from fleethub.hub.models.dtdl import DtdlValidationError, DtmiError, Validator, parse, parse_dtmi
from fleethub.hub.models.record import JSON, ModelRecord
from fleethub.hub.odata import FieldType, ODataError, matches, parse_filter, parse_orderby
from fleethub.hub.ports import ModelStore

log = logging.getLogger(__name__)

#: Longest model id (IoT Central's template ids are far shorter; DTDL allows 2048).
MAX_ID_LENGTH = 256
#: Largest template document accepted, in bytes of compact JSON.
MAX_DOCUMENT_BYTES = 512 * 1024
#: How long a node trusts its cached validator before re-reading the model: another node of a
#: cluster may have changed it (this node's own writes invalidate at once).
VALIDATOR_TTL = 30.0
#: Seed 004: the filterable template fields, and the one orderby field.
FILTER_FIELDS: dict[str, FieldType] = {
    "@id": "string",
    "displayName": "string",
    "capabilityModelId": "string",
}
ORDER_FIELDS = ("displayName",)


@dataclass(frozen=True, slots=True)
class ModelQuery:
    filter: str | None = None
    orderby: str | None = None
    skip: int = 0
    top: int = 25


@dataclass(frozen=True, slots=True)
class ModelPage:
    models: list[ModelRecord]
    next_skip: int | None


class Catalogue:
    def __init__(self, store: ModelStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._validators: dict[str, tuple[float, Validator | None]] = {}

    async def get(self, principal: Principal, model_id: str) -> ModelRecord:
        require(principal, Permission.REGISTRY_READ)
        return await self._existing(model_id)

    async def find(self, model_id: str) -> ModelRecord | None:
        """The model, without a permission check (for the hub's own use)."""
        return await self._store.get(model_id)

    async def list(self, principal: Principal, query: ModelQuery) -> ModelPage:
        """Filtered and ordered in memory: catalogues hold tens of models, not millions."""
        require(principal, Permission.REGISTRY_READ)
        try:
            where = parse_filter(query.filter, FILTER_FIELDS) if query.filter else None
            order = parse_orderby(query.orderby, ORDER_FIELDS) if query.orderby else None
        except ODataError as error:
            raise FilterInvalid(str(error)) from None
        models = await self._store.list()
        if where is not None:
            models = [m for m in models if matches(where, _row(m))]
        models.sort(key=lambda m: m.id)
        if order is not None:
            models.sort(key=lambda m: (m.display_name or "").casefold(), reverse=order.descending)
        page = models[query.skip : query.skip + query.top]
        more = query.skip + query.top < len(models)
        return ModelPage(page, query.skip + query.top if more else None)

    async def put(
        self, principal: Principal, model_id: str, document: JSON, if_match: str | None = None
    ) -> tuple[ModelRecord, bool]:
        """Create or replace; the document's `@id` must be `model_id` (seed 004)."""
        require(principal, Permission.MODELS_WRITE)
        _check_id(model_id)
        given = document.get("@id")
        if given is not None and given != model_id:
            raise ArgumentInvalid(
                f"The template's @id '{str(given)[:200]}' does not match '{model_id}' in the path."
            )
        normalized = _checked(template.normalize(document, model_id), model_id)
        match = ids.normalize_if_match(if_match)
        existing = await self._store.get(model_id)
        if existing is None:
            if match not in (None, "*"):
                raise PreconditionFailed("The template does not exist, so no ETag can match.")
            record = self._record(model_id, normalized, None)
            if not await self._store.insert(record):
                raise PreconditionFailed("The template was created meanwhile; try again.")
            self._validators.pop(model_id, None)  # it may be cached as missing
            return record, True
        return await self._replace(existing, normalized, match), False

    async def patch(
        self, principal: Principal, model_id: str, patch: JSON, if_match: str | None = None
    ) -> ModelRecord:
        """Merge `patch` into the template (JSON merge patch) and validate the result."""
        require(principal, Permission.MODELS_WRITE)
        existing = await self._existing(model_id)
        given = patch.get("@id")
        if given is not None and given != model_id:
            raise ArgumentInvalid("A patch cannot change the template's @id.")
        patch = {key: value for key, value in patch.items() if key != "etag"}
        merged = template.merge_patch(existing.document, patch)
        normalized = _checked(template.normalize(merged, model_id), model_id)
        return await self._replace(existing, normalized, ids.normalize_if_match(if_match))

    async def delete(
        self, principal: Principal, model_id: str, if_match: str | None = None
    ) -> None:
        require(principal, Permission.MODELS_WRITE)
        existing = await self._existing(model_id)
        _check_match(ids.normalize_if_match(if_match), existing)
        users = await self._store.users(model_id)
        if users:
            raise ModelInUse(
                f"The template '{model_id}' is used by {users} device(s); reassign them first."
            )
        if not await self._store.delete(model_id, existing.etag):
            raise PreconditionFailed("The template changed while it was being deleted.")
        self._validators.pop(model_id, None)

    async def validator(self, model_id: str) -> Validator | None:
        """The compiled validator of a model, or None when the catalogue lacks it; cached."""
        now = time.monotonic()
        cached = self._validators.get(model_id)
        if cached is not None and now - cached[0] < VALIDATOR_TTL:
            return cached[1]
        record = await self._store.get(model_id)
        validator = _compile(record) if record is not None else None
        self._validators[model_id] = (now, validator)
        return validator

    def cached_validator(self, model_id: str) -> Validator | None:
        """`validator` from the cache only; LookupError when it would have to be loaded."""
        cached = self._validators.get(model_id)
        if cached is None or time.monotonic() - cached[0] >= VALIDATOR_TTL:
            raise LookupError(model_id)
        return cached[1]

    # -- LoRaWAN profiles: the Portal API's DeviceModel view of a model (issue #5) ----------

    async def profiled(self, principal: Principal) -> builtins.list[ModelRecord]:
        """The models that carry a LoRaWAN profile, by id."""
        require(principal, Permission.REGISTRY_READ)
        return [m for m in await self._store.list() if m.lorawan is not None]

    async def put_profile(
        self,
        principal: Principal,
        model_id: str,
        document: JSON,
        lorawan: JSON,
        if_match: str | None = None,
    ) -> tuple[ModelRecord, bool]:
        """Create or replace a model together with its LoRaWAN profile. The ETag covers
        both, so concurrent profile edits (a command added twice at once) cannot both win."""
        require(principal, Permission.MODELS_WRITE)
        _check_id(model_id)
        normalized = _checked(template.normalize(document, model_id), model_id)
        existing = await self._store.get(model_id)
        record = dataclasses.replace(
            self._record(model_id, normalized, existing),
            lorawan=lorawan,
            etag=template.etag_of({"document": normalized, "lorawan": lorawan}),
        )
        if existing is None:
            if not await self._store.insert(record):
                raise PreconditionFailed("The model was created meanwhile; try again.")
            return record, True
        _check_match(ids.normalize_if_match(if_match), existing)
        if not await self._store.replace(record, existing.etag):
            raise PreconditionFailed("The model changed while it was being updated.")
        self._validators.pop(model_id, None)
        return record, False

    async def _existing(self, model_id: str) -> ModelRecord:
        record = await self._store.get(model_id)
        if record is None:
            raise ModelNotFound(f"The device template '{model_id[:200]}' does not exist.")
        return record

    async def _replace(
        self, existing: ModelRecord, document: JSON, match: str | None
    ) -> ModelRecord:
        _check_match(match, existing)
        record = self._record(existing.id, document, existing)
        if not await self._store.replace(record, existing.etag):
            raise PreconditionFailed("The template changed while it was being updated.")
        self._validators.pop(existing.id, None)
        return record

    def _record(self, model_id: str, document: JSON, previous: ModelRecord | None) -> ModelRecord:
        now = self._clock()
        return ModelRecord(
            id=model_id,
            display_name=template.display_name(document),
            capability_model_id=template.capability_model_id(document, model_id),
            document=document,
            etag=template.etag_of(document),
            created_time=previous.created_time if previous else now,
            updated_time=now,
            lorawan=previous.lorawan if previous else None,
        )


def _row(model: ModelRecord) -> dict[str, str | None]:
    return {
        "@id": model.id,
        "displayName": model.display_name,
        "capabilityModelId": model.capability_model_id,
    }


def _check_id(model_id: str) -> None:
    if len(model_id) > MAX_ID_LENGTH:
        raise ArgumentInvalid(f"A template id may hold at most {MAX_ID_LENGTH} characters.")
    try:
        # IoT Central mints unversioned template ids (dtmi:modelDefinition:spzeut3n:n2lteu39u6).
        parse_dtmi(model_id, dtdl_version=3)
    except DtmiError as error:
        raise ArgumentInvalid(f"'{model_id[:200]}' is not a DTMI: {error.message}") from None


def _check_match(match: str | None, existing: ModelRecord) -> None:
    if match not in (None, "*") and match != existing.etag.strip('"'):
        raise PreconditionFailed(f"The ETag '{match}' does not match {existing.etag}.")


def _checked(document: JSON, model_id: str) -> JSON:
    """Parse the document as DTDL (raising ModelInvalid with every error) and return it."""
    if len(orjson.dumps(document)) > MAX_DOCUMENT_BYTES:
        raise ModelInvalid(f"A template may hold at most {MAX_DOCUMENT_BYTES} bytes of JSON.")
    try:
        model = parse(document)
    except DtdlValidationError as error:
        reasons = [str(e) for e in error.errors]
        raise ModelInvalid(f"The template is not valid DTDL: {error}", reasons) from None
    if model.template is None and model.root.id != model_id:
        raise ArgumentInvalid(f"The model's @id '{model.root.id}' does not match '{model_id}'.")
    return document


def _compile(record: ModelRecord) -> Validator | None:
    try:
        return Validator(parse(record.document).root)
    except DtdlValidationError:
        log.warning("stored model %s no longer parses; payloads go unchecked", record.id)
        return None
