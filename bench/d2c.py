"""Device-to-cloud ingest figures: TLS (and plain) QoS 1 telemetry at N connections.

    python -m bench.d2c [--devices 1 100 1000 10000] [--messages 20000] [--mosquitto]
    python -m bench.d2c --devices 1000 --messages 60000 --rate 5000   # open loop, fixed rate

The hub runs on CPU 0 and this generator on CPU 1. Prints connects/s, messages/s, PUBACK
p50/p99, hub CPU µs per message and hub RSS per idle connection; with --mosquitto the same
generator measures a Mosquitto broker on the same core, plain and TLS, for the ratio.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvloop

from bench import mqttload, tls_client
from bench.hubprocess import HubProcess, start_hub
from fleethub.hub.auth import sas

KEY = base64.b64encode(b"bench-device-key-0123456789abcdef").decode()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


def provision(hub: HubProcess, count: int) -> None:
    with httpx.Client(
        base_url=f"https://localhost:{hub.https_port}",
        verify=ssl.create_default_context(cafile=str(hub.ca_path)),
        params={"api-version": "2021-04-12"},
        headers={"authorization": hub.service_token()},
        timeout=120,
    ) as client:
        auth = {"symmetricKey": {"primaryKey": KEY, "secondaryKey": KEY[::-1]}, "type": "sas"}
        for start in range(0, count, 100):
            items = [
                {"id": f"bench{i}", "importMode": "create", "authentication": auth}
                for i in range(start, min(count, start + 100))
            ]
            client.post("/devices", json=items).raise_for_status()


def hub_credentials(i: int) -> tuple[str, str, str, str]:
    device = f"bench{i}"
    token = sas.build(f"localhost/devices/{device}", KEY, int(time.time()) + 3600)
    username = f"localhost/{device}/?api-version=2021-04-12"
    return device, username, token, f"devices/{device}/messages/events/"


def broker_credentials(i: int) -> tuple[str, str, str, str]:
    return f"bench{i}", "", "", f"devices/bench{i}/messages/events/"


def measure(
    label: str,
    port: int,
    tls: mqttload.TlsContext | None,
    credentials: Callable[[int], tuple[str, str, str, str]],
    devices: int,
    messages: int,
    cpu: Callable[[], float],
    rss: Callable[[], float],
    offer: float | None = None,
) -> float:
    """One run; CPU is split between the connect phase and the publish phase."""
    per_device = max(1, messages // devices)
    baseline = rss()
    marks: list[float] = [cpu()]

    def connected() -> None:
        time.sleep(1)  # let connection bookkeeping settle before reading RSS
        marks.extend((cpu(), rss()))

    async def go() -> mqttload.Results:
        return await mqttload.run(
            "127.0.0.1", port, tls, credentials, devices, per_device, hold=connected, rate=offer
        )

    generator = time.process_time()
    results = uvloop.run(go())  # as the hub runs: the generator's loop costs less CPU
    generator = time.process_time() - generator
    total = len(results.latencies)
    rate = total / results.publish_seconds if results.publish_seconds else 0.0
    connect_cpu = (marks[1] - marks[0]) / max(1, results.connected)
    publish_cpu = (cpu() - marks[1]) / max(1, total)
    per_connection = (marks[2] - baseline) * 1024 / max(1, results.connected)
    mode = f"offered {offer:,.0f}/s open loop, " if offer else ""
    connects = results.connected / results.connect_seconds
    print(
        f"[{label}] N={devices}: {mode}{connects:,.0f} connects/s "
        f"({results.refused} refused, {connect_cpu * 1e3:.2f} ms CPU/connect), "
        f"{rate:,.0f} msgs/s ({publish_cpu * 1e6:.0f} µs CPU/msg), PUBACK p50 "
        f"{pct(results.latencies, 0.5):.1f} ms p99 {pct(results.latencies, 0.99):.1f} ms, "
        f"RSS {per_connection:.1f} KiB/connection; generator {generator / max(1, total) * 1e6:.0f}"
        " µs CPU/msg"
    )
    return rate


def start_mosquitto(folder: Path, hub: HubProcess) -> tuple[subprocess.Popen[bytes], int, int]:
    plain, secure = free_port(), free_port()
    tls = hub.data_dir / "tls"
    config = folder / "mosquitto.conf"
    config.write_text(
        f"user root\nlistener {plain} 127.0.0.1\nallow_anonymous true\n"
        f"listener {secure} 127.0.0.1\ncertfile {tls / 'server.pem'}\n"
        f"keyfile {tls / 'server-key.pem'}\nmax_queued_messages 100000\n"
        "max_inflight_messages 0\npersistence false\n"
    )
    taskset = shutil.which("taskset") or "/usr/bin/taskset"
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen(
        [taskset, "-c", "0", mosquitto, "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    return process, plain, secure


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_figures(pid: int) -> tuple[Callable[[], float], Callable[[], float]]:
    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss() -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    return cpu, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 100, 1000, 10000])
    parser.add_argument("--messages", type=int, default=20000, help="messages per run")
    parser.add_argument("--mosquitto", action="store_true", help="also measure Mosquitto")
    parser.add_argument(
        "--rate", type=float, help="open loop: offer this many msgs/s in all (else closed loop)"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.sched_setaffinity(0, {1})
    hub = start_hub("--mqtt-plain-port", "0", cpu=0)
    client_tls = tls_client.client_context(hub.ca_path)
    try:
        provision(hub, max(args.devices))
        for n in args.devices:
            measure("fleethub TLS", hub.mqtt_port, client_tls, hub_credentials, n, args.messages,
                    hub.cpu_seconds, hub.rss_mib, args.rate)  # fmt: skip
            if hub.plain_port and n in (100, 1000):
                measure("fleethub plain", hub.plain_port, None, hub_credentials, n,
                        args.messages, hub.cpu_seconds, hub.rss_mib, args.rate)  # fmt: skip
        if args.mosquitto:
            with tempfile.TemporaryDirectory() as folder:
                broker, plain, secure = start_mosquitto(Path(folder), hub)
                cpu, rss = process_figures(broker.pid)
                try:
                    for n in (100, 1000):
                        measure("mosquitto TLS", secure, client_tls, broker_credentials, n,
                                args.messages, cpu, rss, args.rate)  # fmt: skip
                        measure("mosquitto plain", plain, None, broker_credentials, n,
                                args.messages, cpu, rss, args.rate)  # fmt: skip
                finally:
                    broker.terminate()
    finally:
        hub.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


if __name__ == "__main__":
    main()
