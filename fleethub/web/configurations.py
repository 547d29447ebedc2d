"""Configurations (automatic device management) and IoT Edge deployments: the list with their
metrics, creating one (target condition with a live count of the devices it targets,
priority, content, custom metrics), changing what Azure lets change, and deleting.

Content cannot change once created (Azure's rule): the page says so and offers a new one.
Builders and administrators edit; operators read (access.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from fleethub.http import HubDep
from fleethub.hub.configurations.record import DEVICE, MAX_PRIORITY, Configuration, Content
from fleethub.hub.errors import ConfigurationAlreadyExists, HubError, PreconditionFailed
from fleethub.hub.hub import Hub
from fleethub.web import access, targets, templating
from fleethub.web.forms import FormErrors, int_field, json_field, text
from fleethub.web.routing import UserDep, page_router, see_other
from fleethub.web.sessions import User

router = page_router()
KINDS = {DEVICE: "Device configuration", "modules": "IoT Edge deployment"}
EXAMPLES = {
    DEVICE: '{"properties.desired.telemetry": {"interval": 30}}',
    "modules": (
        '{"$edgeAgent": {"properties.desired": {...}}, "$edgeHub": {"properties.desired": {...}}}'
    ),
}
CONFLICT = "Someone changed this configuration after you opened it; reload and try again."


def lines_field(form: FormData, name: str, errors: FormErrors) -> dict[str, str]:
    """`name=value` lines (labels) or `name: query` lines (metrics) → a dict."""
    result: dict[str, str] = {}
    for number, line in enumerate(text(form, name).splitlines(), start=1):
        if not line.strip():
            continue
        separator = ":" if name == "metrics" else "="
        key, sep, value = line.partition(separator)
        if not sep or not key.strip() or not value.strip():
            example = (
                "name: SELECT deviceId FROM devices WHERE ..." if name == "metrics" else "key=value"
            )
            errors[name] = f"Line {number}: write {example}."
            return {}
        result[key.strip()] = value.strip()
    return result


def _field_of(message: str) -> str:
    lowered = message.lower()
    for needle, field in (
        ("targetcondition", "target"),
        ("metric", "metrics"),
        ("priority", "priority"),
        ("label", "labels"),
        ("configuration id", "config_id"),
        ("content", "content"),
    ):
        if needle in lowered:
            return field
    return "form"


async def list_context(hub: Hub, user: User) -> dict[str, Any]:
    views = await hub.configurations.list(user.principal)
    views.sort(key=lambda v: (-v.record.priority, v.record.id))
    form = {"kind": DEVICE, "priority": "10", "target": "*"}
    return {"views": views, "kinds": KINDS, "examples": EXAMPLES, "form": form, "preview": None}


@router.get("/configurations", name="configurations")
async def configurations(request: Request, hub: HubDep, user: UserDep) -> HTMLResponse:
    context = await list_context(hub, user) | {"errors": FormErrors()}
    return templating.render(request, "configurations.html", context)


@router.get("/configurations/targets", name="configurations_targets")
async def target_count(
    request: Request, hub: HubDep, user: UserDep, target: str = "", kind: str = DEVICE
) -> HTMLResponse:
    """The live count beside the target condition (htmx, as the user types)."""
    found = await targets.count(hub, user, target, edge_only=kind != DEVICE)
    return templating.render(request, "_config_targets.html", {"preview": found})


def _draft(form: FormData, errors: FormErrors) -> Configuration:
    kind = text(form, "kind")
    if kind not in KINDS:
        errors["kind"] = "Choose a device configuration or an IoT Edge deployment."
    config_id = text(form, "config_id")
    if not config_id:
        errors["config_id"] = "Give it an id: lower-case letters, digits and -, e.g. firmware-2."
    content = json_field(form, "content", errors, object_only=True)
    if content is None and "content" not in errors:
        errors["content"] = f"Write the content as JSON, e.g. {EXAMPLES[DEVICE]}."
    priority = int_field(form, "priority", errors, 0, MAX_PRIORITY, 0)
    return Configuration(
        id=config_id,
        content=Content(device=content or {}) if kind == DEVICE else Content(modules=content or {}),
        target_condition=text(form, "target"),
        priority=priority,
        labels=lines_field(form, "labels", errors),
        metric_queries=lines_field(form, "metrics", errors),
    )


@router.post("/configurations", name="configurations_create")
async def create(request: Request, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.BUILD)
    form = await request.form()
    errors = FormErrors()
    draft = _draft(form, errors)
    if not errors:
        try:
            await hub.configurations.put(user.principal, draft, None)
            return see_other(request, templating.item_url("configurations", draft.id))
        except ConfigurationAlreadyExists:
            errors["config_id"] = "A configuration with this id exists already; choose another."
        except HubError as problem:
            errors[_field_of(problem.message)] = problem.message
    typed = {key: text(form, key) for key in form if key != "csrf_token"}
    preview = await targets.count(
        hub, user, draft.target_condition, edge_only=typed.get("kind") != DEVICE
    )
    context = {
        "form": typed,
        "errors": errors,
        "kinds": KINDS,
        "examples": EXAMPLES,
        "preview": preview,
    }
    return templating.render(request, "_config_create.html", context, status=422)


async def config_context(hub: Hub, user: User, config_id: str) -> dict[str, Any]:
    view = await hub.configurations.get(user.principal, config_id)
    record = view.record
    form = {
        "target": record.target_condition,
        "priority": str(record.priority),
        "labels": "\n".join(f"{k}={v}" for k, v in record.labels.items()),
        "metrics": "\n".join(f"{k}: {v}" for k, v in record.metric_queries.items()),
    }
    content = record.content.device if record.content.kind == DEVICE else record.content.modules
    return {
        "view": view,
        "config": record,
        "content": content,
        "kinds": KINDS,
        "form": form,
        "errors": FormErrors(),
        "can_edit": user.can(access.BUILD),
    }


@router.get("/configurations/{config_id:seg}", name="configuration")
async def configuration(
    request: Request, config_id: str, hub: HubDep, user: UserDep
) -> HTMLResponse:
    context = await config_context(hub, user, config_id)
    return templating.render(request, "configuration.html", context)


@router.post("/configurations/{config_id:seg}", name="configuration_update")
async def update(request: Request, config_id: str, hub: HubDep, user: UserDep) -> Response:
    """Target condition, priority, labels and metrics; the content stays (Azure's rule)."""
    access.require(user, access.BUILD)
    form = await request.form()
    context = await config_context(hub, user, config_id)
    record: Configuration = context["config"]
    errors = FormErrors()
    priority = int_field(form, "priority", errors, 0, MAX_PRIORITY, record.priority)
    labels, metrics = lines_field(form, "labels", errors), lines_field(form, "metrics", errors)
    draft = Configuration(
        id=record.id,
        content=record.content,
        target_condition=text(form, "target"),
        priority=priority,
        labels=labels,
        metric_queries=metrics,
    )
    if not errors:
        try:
            await hub.configurations.put(user.principal, draft, text(form, "etag") or "*")
        except PreconditionFailed:
            errors["form"] = CONFLICT
        except HubError as problem:
            errors[_field_of(problem.message)] = problem.message
    if errors:
        typed = {key: text(form, key) for key in form if key != "csrf_token"}
        context |= {"errors": errors, "form": typed}
        return templating.render(request, "_config_settings.html", context, status=422)
    context = await config_context(hub, user, config_id)
    context["notice"] = "Saved; devices follow within a few seconds."
    return templating.render(request, "_config_settings.html", context)


@router.post("/configurations/{config_id:seg}/delete", name="configuration_delete")
async def delete(request: Request, config_id: str, hub: HubDep, user: UserDep) -> Response:
    access.require(user, access.BUILD)
    await hub.configurations.delete(user.principal, config_id, None)
    return see_other(request, "/ui/configurations")
