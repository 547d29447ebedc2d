"""TLS + SAS connect figures: first connects, then reconnects of the same devices.

    python -m bench.connects [--devices 1000] [--rounds 3] [--mosquitto]

The hub runs on CPU 0 and this generator on CPU 1 (uvloop, pyOpenSSL client). A first connect
creates the device's persistent session; a reconnect, after the disconnect debounce, finds
it. Prints connects/s and hub CPU per connect for each round; with --mosquitto the same
generator connects to a Mosquitto broker on CPU 0 with the hub's certificate, for the ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import uvloop

from bench import mqttload, tls_client
from bench.d2c import (
    broker_credentials,
    hub_credentials,
    process_figures,
    provision,
    start_mosquitto,
)
from bench.hubprocess import start_hub

#: Past the hub's disconnect debounce (2 s), so a reconnect is a fresh connect.
_SETTLE = 3.0


def connect_round(
    label: str,
    port: int,
    tls: mqttload.TlsContext,
    credentials: Callable[[int], tuple[str, str, str, str]],
    devices: int,
    cpu: Callable[[], float],
) -> float:
    """Connect every device, 200 at a time, then close them all; prints and returns connects/s."""

    # Tokens are signed before the clock starts: the round times the broker, not the HMACs.
    table = [credentials(i) for i in range(devices)]

    async def go() -> tuple[int, int, float]:
        started = time.perf_counter()
        clients, refused = await mqttload.connect_many(
            "127.0.0.1", port, tls, table.__getitem__, devices
        )
        seconds = time.perf_counter() - started
        for client, _ in clients:
            if client.transport is not None:
                client.transport.close()
        return len(clients), refused, seconds

    before, generator = cpu(), time.process_time()
    connected, refused, seconds = uvloop.run(go())
    hub_cpu = (cpu() - before) / max(1, connected)
    generator = (time.process_time() - generator) / max(1, connected)
    rate = connected / seconds if seconds else 0.0
    print(
        f"[{label}] N={devices}: {rate:,.0f} connects/s ({refused} refused), "
        f"{hub_cpu * 1e3:.2f} ms hub CPU/connect; generator {generator * 1e3:.2f} ms CPU/connect"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="reconnect rounds after the first")
    parser.add_argument("--mosquitto", action="store_true", help="also measure Mosquitto")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.sched_setaffinity(0, {1})
    hub = start_hub(cpu=0)
    tls = tls_client.client_context(hub.ca_path)
    try:
        provision(hub, args.devices)
        time.sleep(1)
        n = args.devices
        connect_round("fleethub first", hub.mqtt_port, tls, hub_credentials, n, hub.cpu_seconds)
        for _ in range(args.rounds):
            time.sleep(_SETTLE)
            connect_round("fleethub again", hub.mqtt_port, tls, hub_credentials, n,
                          hub.cpu_seconds)  # fmt: skip
        if args.mosquitto:
            with tempfile.TemporaryDirectory() as folder:
                broker, _, secure = start_mosquitto(Path(folder), hub)
                cpu, _ = process_figures(broker.pid)
                try:
                    for _ in range(1 + args.rounds):
                        connect_round("mosquitto", secure, tls, broker_credentials, n, cpu)
                        time.sleep(1)
                finally:
                    broker.terminate()
    finally:
        hub.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


if __name__ == "__main__":
    main()
