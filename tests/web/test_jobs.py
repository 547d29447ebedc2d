"""The jobs and imports pages (fleethub/web/jobs.py, imports.py): the live count of targeted
devices, validation next to fields, progress fragments, cancel; the import's connection string
checked without ever being shown back. (Jobs run in tests/web/test_browser_fleet.py.)"""

from __future__ import annotations

from fleethub.hub.auth.principal import SYSTEM
from fleethub.hub.hub import Hub
from fleethub.hub.jobs import job as j
from fleethub.hub.registry.device import IdentitySpec
from fleethub.hub.twins.service import TwinPatch
from tests.web.conftest import Browser

SOURCE = "HostName=other.example.com;SharedAccessKeyName=iothubowner;SharedAccessKey=c2VjcmV0"


async def test_jobs_empty_state_and_live_count(signed_in: Browser, hub: Hub) -> None:
    page = await signed_in.get("/ui/jobs")
    assert page.status_code == 200
    assert "No jobs yet" in page.text
    for n in range(7):
        await hub.registry.put(SYSTEM, f"j{n}", None, IdentitySpec())
    await hub.twins.patch(SYSTEM, "j3", None, TwinPatch(tags={"floor": 2}), None)
    every = await signed_in.get("/ui/jobs/preview", params={"condition": "*"})
    assert '<strong class="count">7</strong>' in every.text
    one = await signed_in.get("/ui/jobs/preview", params={"condition": "tags.floor = 2"})
    assert '<strong class="count">1</strong>' in one.text
    assert "j3</a>" in one.text
    bad = await signed_in.get("/ui/jobs/preview", params={"condition": "tags.floor = = 2"})
    assert 'class="field-error"' in bad.text


async def test_job_form_validates_next_to_fields(signed_in: Browser, hub: Hub) -> None:
    await signed_in.get("/ui/jobs")
    base = {"type": j.TWIN_UPDATE, "job_id": "job1", "condition": "*"}
    nothing = await signed_in.post("/ui/jobs", base, htmx=True)
    assert nothing.status_code == 422
    assert 'id="desired-error"' in nothing.text
    not_json = await signed_in.post("/ui/jobs", base | {"desired": "{nope"}, htmx=True)
    assert "Not valid JSON" in not_json.text
    bad_query = await signed_in.post(
        "/ui/jobs", base | {"condition": "tags.a = = 1", "desired": '{"a": 1}'}, htmx=True
    )
    assert bad_query.status_code == 422
    assert 'id="condition-error"' in bad_query.text
    method = {"type": j.DEVICE_METHOD, "job_id": "job2", "condition": "*", "timeout": "0"}
    refused = await signed_in.post("/ui/jobs", method, htmx=True)
    assert 'id="method-error"' in refused.text
    assert 'id="timeout-error"' in refused.text
    bad_id = await signed_in.post(
        "/ui/jobs", base | {"job_id": "no spaces", "desired": '{"a": 1}'}, htmx=True
    )
    assert 'id="job_id-error"' in bad_id.text


async def test_create_progress_and_cancel(signed_in: Browser, hub: Hub) -> None:
    await signed_in.get("/ui/jobs")
    form = {"type": j.TWIN_UPDATE, "job_id": "roll-1", "condition": "*", "desired": '{"a": 1}'}
    made = await signed_in.post("/ui/jobs", form)
    assert made.status_code == 303
    assert made.headers["location"] == "/ui/jobs/roll-1"
    again = await signed_in.post("/ui/jobs", form, htmx=True)
    assert again.status_code == 422
    assert "exists already" in again.text
    page = await signed_in.get("/ui/jobs/roll-1")
    assert 'hx-trigger="every 1s"' in page.text  # polls while the job is active
    assert "Cancel job" in page.text
    listed = await signed_in.client.get(
        "/ui/jobs", headers={"HX-Request": "true", "HX-Target": "job-list"}
    )
    assert listed.text.startswith('<section id="job-list"')
    assert "roll-1" in listed.text
    cancelled = await signed_in.post("/ui/jobs/roll-1/cancel", htmx=True)
    assert cancelled.status_code == 200
    assert "Cancelled." in cancelled.text
    assert 'hx-trigger="every 1s"' not in cancelled.text
    assert (await hub.jobs.scheduled(SYSTEM, "roll-1")).status == j.CANCELLED
    missing = await signed_in.get("/ui/jobs/nope")
    assert missing.status_code == 404


async def test_import_validates_without_echoing_the_secret(signed_in: Browser, hub: Hub) -> None:
    page = await signed_in.get("/ui/imports")
    assert "No imports yet" in page.text
    empty = await signed_in.post("/ui/imports", {}, htmx=True)
    assert empty.status_code == 422
    assert 'id="name-error"' in empty.text
    assert 'id="secret-error"' in empty.text
    wrong = "HostName=x;SharedAccessKey=not base64 !!"
    malformed = await signed_in.post("/ui/imports", {"name": "N", "secret": wrong}, htmx=True)
    assert malformed.status_code == 422
    assert "not an IoT Hub connection string" in malformed.text
    assert "not base64" not in malformed.text
    location = await signed_in.post(
        "/ui/imports", {"name": "N", "secret": SOURCE, "location": "nowhere"}, htmx=True
    )
    assert location.status_code == 422
    assert 'id="location-error"' in location.text
    assert "c2VjcmV0" not in location.text


async def test_import_start_progress_and_cancel(signed_in: Browser, hub: Hub) -> None:
    await signed_in.get("/ui/imports")
    started = await signed_in.post("/ui/imports", {"name": "North plant", "secret": SOURCE})
    assert started.status_code == 303
    url = started.headers["location"]
    page = await signed_in.get(url)
    assert "North plant" in page.text
    assert "Cancel import" in page.text
    assert "c2VjcmV0" not in page.text
    cancelled = await signed_in.post(f"{url}/cancel", htmx=True)
    assert "Cancelled." in cancelled.text
    listed = await signed_in.get("/ui/imports")
    assert "North plant" in listed.text
    assert "cancelled" in listed.text


async def test_jobs_and_imports_need_csrf(signed_in: Browser) -> None:
    for path in ("/ui/jobs", "/ui/jobs/x/cancel", "/ui/imports", "/ui/imports/x/cancel"):
        assert (await signed_in.client.post(path, data={})).status_code == 403, path
