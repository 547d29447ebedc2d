"""SourceHub over the IoT Hub service REST API (wire spec §6.3): Azure IoT Hub or a fleethub.

Twins come a page at a time from `POST /devices/query` with `x-ms-continuation` (Azure's
`GET /devices?top=` does not page); symmetric keys are not in twins, so each SAS device is
also read with `GET /devices/{id}`, a bounded number at once. 429 and 5xx are retried with
back-off (Azure throttles registry reads); 401/403 mean the secret is wrong.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

from fleethub.hub.auth import sas
from fleethub.hub.errors import RemoteUnreachable, Unauthorized
from fleethub.hub.jobs.job import RemoteDevice, SourceCredentials
from fleethub.remote.client import describe

API_VERSION = "2021-04-12"
JSON = dict[str, Any]


class HttpSourceHub:
    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
        page_size: int = 100,
        concurrency: int = 16,
        attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self._client = client
        self._clock = clock
        self._page_size = page_size
        self._concurrency = concurrency
        self._attempts = attempts
        self._backoff = backoff

    async def devices(self, credentials: SourceCredentials) -> AsyncIterator[list[RemoteDevice]]:
        continuation: str | None = None
        while True:
            headers = {"x-ms-max-item-count": str(self._page_size)}
            if continuation:
                headers["x-ms-continuation"] = continuation
            response = await self._send(
                credentials, "POST", "/devices/query", headers, {"query": "SELECT * FROM devices"}
            )
            twins = _json(response, credentials, list)
            yield await self._with_keys(credentials, [_from_twin(t, credentials) for t in twins])
            continuation = response.headers.get("x-ms-continuation")
            if not continuation:
                return

    async def _with_keys(
        self, credentials: SourceCredentials, devices: list[RemoteDevice]
    ) -> list[RemoteDevice]:
        gate = asyncio.Semaphore(self._concurrency)

        async def one(device: RemoteDevice) -> RemoteDevice | None:
            if device.auth_type != "sas":
                return device
            async with gate:
                path = f"/devices/{quote(device.device_id, safe='')}"
                response = await self._send(credentials, "GET", path, {}, None)
            if response.status_code == 404:
                return None  # deleted since the query page was read
            keys = _json(response, credentials, dict).get("authentication") or {}
            symmetric = keys.get("symmetricKey") or {}
            return dataclasses.replace(
                device,
                primary_key=symmetric.get("primaryKey"),
                secondary_key=symmetric.get("secondaryKey"),
            )

        found = await asyncio.gather(*(one(d) for d in devices))
        return [d for d in found if d is not None]

    async def _send(
        self,
        credentials: SourceCredentials,
        method: str,
        path: str,
        headers: dict[str, str],
        body: JSON | None,
    ) -> httpx.Response:
        url = f"https://{credentials.host}{path}"
        for attempt in range(1, self._attempts + 1):
            signed = {**headers, "Authorization": self._token(credentials)}
            try:
                response = await self._client.request(
                    method, url, params={"api-version": API_VERSION}, headers=signed, json=body
                )
            except httpx.HTTPError as error:
                if attempt == self._attempts:
                    raise RemoteUnreachable(
                        f"Could not reach the source hub {credentials.host}: {describe(error)}."
                    ) from None
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
                continue
            if response.status_code in (401, 403):
                raise Unauthorized("The source hub refused the secret.")
            if (response.status_code == 429 or response.status_code >= 500) and (
                attempt < self._attempts
            ):
                await asyncio.sleep(_retry_after(response, self._backoff * 2 ** (attempt - 1)))
                continue
            if response.status_code >= 400 and response.status_code != 404:
                raise RemoteUnreachable(
                    f"The source hub {credentials.host} answered {method} {path.split('/')[1]} "
                    f"with HTTP {response.status_code}."
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _token(self, credentials: SourceCredentials) -> str:
        """A service SAS token as the service SDK signs it (wire spec §3.1), valid one hour."""
        resource = quote_plus(credentials.host)
        expiry = int(self._clock()) + 3600
        signature = quote(sas.sign(credentials.key, resource, expiry), safe="")
        name = quote(credentials.key_name, safe="")
        return f"SharedAccessSignature sr={resource}&sig={signature}&se={expiry}&skn={name}"


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("retry-after", "")
    return min(float(value), 30.0) if value.isdigit() else default


def _json(response: httpx.Response, credentials: SourceCredentials, kind: type[Any]) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, kind):
        raise RemoteUnreachable(
            f"The source hub {credentials.host} did not answer like an IoT hub "
            f"(HTTP {response.status_code})."
        )
    return body


def _from_twin(twin: Any, credentials: SourceCredentials) -> RemoteDevice:
    if not isinstance(twin, dict) or not isinstance(twin.get("deviceId"), str):
        raise RemoteUnreachable(f"The source hub {credentials.host} sent a twin without deviceId.")
    desired = ((twin.get("properties") or {}).get("desired")) or {}
    prints = twin.get("x509Thumbprint") or {}
    return RemoteDevice(
        device_id=twin["deviceId"],
        status=twin.get("status") or "enabled",
        status_reason=twin.get("statusReason"),
        auth_type=twin.get("authenticationType") or "sas",
        primary_thumbprint=prints.get("primaryThumbprint"),
        secondary_thumbprint=prints.get("secondaryThumbprint"),
        iot_edge=bool((twin.get("capabilities") or {}).get("iotEdge")),
        tags=twin.get("tags") or {},
        desired={k: v for k, v in desired.items() if not k.startswith("$")},
    )
