"""Direct-method round trips: service REST call → hub → device over MQTT/TLS → hub → response.

    python -m bench.methods [--devices 100] [--rate 100 500 1000] [--seconds 30]

The hub runs on CPU 0 and this generator on CPU 1. N devices, provisioned through the bulk
REST API, connect over TLS as lean clients on fleethub's own codec (bench/mqttload.py) that
answer every method request at once with a 200 and `{"device": id, "echo": <payload>}`. The
service side POSTs `/twins/{id}/methods` with httpx (HTTP/1.1 keep-alive, 64 connections
and so up to 64 calls in flight) in an open loop: call k is due at start + k / rate,
on device k mod N, whatever the earlier calls are doing, and its latency is counted from that
scheduled time (no coordinated omission). A call counts as an error unless it answers 200 with
the device's body echoed exactly. Each rate is preceded by a short unmeasured warm-up at that
rate. Prints, per rate: calls/s done, latency p50/p99/max, hub CPU per call (/proc), errors,
and this generator's own CPU per call (near 1 s / rate, the generator is the limit).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import resource
import signal
import ssl
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvloop

from bench import mqttload
from bench.d2c import hub_credentials, pct, provision
from bench.hubprocess import HubProcess, start_hub

API_VERSION = "2021-04-12"
#: HTTP/1.1 connections to the hub, each its own httpx client, and so calls in flight at most.
CONNECTIONS = 64
#: A call still waiting for a worker this long after its due time is not sent, and counts
#: as an error, so an overloaded run ends instead of draining a backlog of minutes.
BACKLOG_SECONDS = 10

# httpcore asks `import sniffio` several times per request and falls back to asyncio when it
# fails; without sniffio installed each failed import searches sys.path again, a sizeable
# share of this generator's CPU per call (py-spy). Make it fail at once instead.
if importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    seconds: float = 0.0


async def call(client: httpx.AsyncClient, k: int, device: str, due: float, out: Outcome) -> None:
    payload = {"seq": k, "data": f"ping {k}"}
    body = {"methodName": "ping", "payload": payload, "responseTimeoutInSeconds": 10}
    if time.perf_counter() - due > BACKLOG_SECONDS:
        problem = f"not sent within {BACKLOG_SECONDS} s of its due time (backlog)"
    else:
        problem = await post(client, device, body, payload)
    if problem:
        out.errors += 1
        if not out.first_error:
            out.first_error = f"call {k} to {device}: {problem}"
    else:
        out.latencies.append(time.perf_counter() - due)


async def post(
    client: httpx.AsyncClient, device: str, body: dict[str, Any], payload: dict[str, Any]
) -> str:
    """One call; what is wrong with its answer, or "" if nothing."""
    try:
        response = await client.post(f"/twins/{device}/methods", json=body)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    answer: Any = response.json()
    if answer != {"status": 200, "payload": {"device": device, "echo": payload}}:
        return f"unexpected body {answer!r:.300}"
    return ""


async def drive(
    clients: list[httpx.AsyncClient], devices: list[str], rate: float, seconds: float
) -> Outcome:
    """Open loop: call k is due at start + k / rate, on devices[k mod N].

    One worker per client (connection) takes the calls in order, each sleeping until its call
    is due. While the hub keeps up a worker is always waiting, so every call goes out on time;
    when all of them are busy, the next call waits for one, and its latency, counted from the
    due time, shows it. (A task per call, or one httpx pool of 64 connections, cost this
    generator O(backlog) or O(pool) per call: it, not the hub, then set the pace.)
    """
    out = Outcome()
    total = max(1, round(rate * seconds))
    calls = iter(range(total))
    start = time.perf_counter()

    async def worker(client: httpx.AsyncClient) -> None:
        for k in calls:
            due = start + k / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await call(client, k, devices[k % len(devices)], due, out)

    await asyncio.gather(*(worker(client) for client in clients))
    out.seconds = time.perf_counter() - start
    return out


async def measure(
    hub: HubProcess, devices: int, rates: list[float], seconds: float, warmup: float
) -> None:
    device_tls = ssl.create_default_context(cafile=str(hub.ca_path))
    device_tls.minimum_version = device_tls.maximum_version = ssl.TLSVersion.TLSv1_2
    clients, refused = await mqttload.connect_many(
        "127.0.0.1", hub.mqtt_port, device_tls, hub_credentials, devices
    )
    ids = [hub_credentials(i)[0] for i in range(devices)]
    listening = await asyncio.gather(*(mqttload.answer_methods(c) for c, _ in clients))
    if refused or not all(listening) or len(clients) != devices:
        raise SystemExit(f"{refused} connects and {listening.count(False)} subscribes refused")
    # One keep-alive connection per client, closed after 4 s idle, before uvicorn's 5 s
    # keep-alive timeout can race it.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=4)
    tls = ssl.create_default_context(cafile=str(hub.ca_path))
    async with contextlib.AsyncExitStack() as stack:
        service = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=f"https://localhost:{hub.https_port}",
                    verify=tls,
                    params={"api-version": API_VERSION},
                    headers={"authorization": hub.service_token()},
                    limits=limits,
                    timeout=30,
                )
            )
            for _ in range(CONNECTIONS)
        ]
        for rate in rates:
            if warmup:
                await drive(service, ids, rate, warmup)
            hub_cpu, own_cpu = hub.cpu_seconds(), time.process_time()
            with mqttload.collector_paused():
                out = await drive(service, ids, rate, seconds)
            calls = len(out.latencies) + out.errors
            hub_per_call = (hub.cpu_seconds() - hub_cpu) / max(1, calls) * 1e6
            own_per_call = (time.process_time() - own_cpu) / max(1, calls) * 1e6
            done = len(out.latencies) / out.seconds if out.seconds else 0.0
            worst = max(out.latencies, default=0.0) * 1000
            print(
                f"[methods] N={devices}, offered {rate:,.0f}/s: {done:,.0f} calls/s done, "
                f"p50 {pct(out.latencies, 0.5):.1f} ms p99 {pct(out.latencies, 0.99):.1f} ms "
                f"max {worst:.0f} ms, hub CPU per call {hub_per_call:,.0f} µs, "
                f"errors {out.errors} (generator CPU per call {own_per_call:,.0f} µs)",
                flush=True,
            )
            if out.first_error:
                print(f"    first error: {out.first_error}", flush=True)
    for client, _ in clients:
        if client.transport is not None:
            client.transport.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=100, help="devices connected (N)")
    parser.add_argument(
        "--rate", type=float, nargs="+", default=[100.0], help="offered calls/s (one run each)"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per rate")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per rate")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.sched_setaffinity(0, {1})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the hub
    hub = start_hub(cpu=0)
    try:
        provision(hub, args.devices)
        uvloop.run(measure(hub, args.devices, args.rate, args.seconds, args.warmup))
    finally:
        hub.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


if __name__ == "__main__":
    main()
