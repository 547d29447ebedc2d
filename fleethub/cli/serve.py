"""`fleethub serve`: start a node (initialising the data dir first if needed)."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from fleethub import datadir, logs, tls
from fleethub.app import Node
from fleethub.cli.options import DataDir, HttpsPort
from fleethub.hub.errors import HubError
from fleethub.settings import Settings


def serve(
    data_dir: DataDir = Path("data"),
    host: Annotated[
        str, typer.Option("--host", envvar="FLEETHUB_HOST", help="Bind address.")
    ] = "127.0.0.1",
    https_port: HttpsPort = 8443,
    mqtt_port: Annotated[
        int, typer.Option("--mqtt-port", envvar="FLEETHUB_MQTT_PORT", help="MQTT/TLS port.")
    ] = 8883,
    mqtt_plain_port: Annotated[
        int | None,
        typer.Option(
            "--mqtt-plain-port",
            envvar="FLEETHUB_MQTT_PLAIN_PORT",
            help="Also serve MQTT without TLS on this port: for benchmarks only, never production.",
        ),
    ] = None,
    amqp_port: Annotated[
        int,
        typer.Option(
            "--amqp-port",
            envvar="FLEETHUB_AMQP_PORT",
            help="AMQPS port (service C2D send, Event Hub-compatible reads); uamqp dials 5671.",
        ),
    ] = 5671,
    eventhub_partitions: Annotated[
        int,
        typer.Option(
            "--eventhub-partitions",
            envvar="FLEETHUB_EVENTHUB_PARTITIONS",
            help="Partitions of the Event Hub-compatible endpoint.",
        ),
    ] = 4,
    consumer_group: Annotated[
        list[str] | None,
        typer.Option(
            "--consumer-group", help="An Event Hub consumer group besides $Default (repeat)."
        ),
    ] = None,
    device_rate_limit: Annotated[
        float,
        typer.Option(
            "--device-rate-limit",
            envvar="FLEETHUB_DEVICE_RATE_LIMIT",
            help="Telemetry messages per second per device connection; 0 turns it off.",
        ),
    ] = 1000.0,
    eventhub_events: Annotated[
        list[str] | None,
        typer.Option(
            "--eventhub-events",
            help="twinChangeEvents and/or deviceLifecycleEvents: also serve them (repeat).",
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="FLEETHUB_STORE",
            help="sqlite:///<data-dir>/fleethub.db (default) or postgresql://...",
        ),
    ] = None,
    store_schema: Annotated[
        str | None,
        typer.Option(
            "--store-schema", envvar="FLEETHUB_STORE_SCHEMA", help="PostgreSQL schema to use."
        ),
    ] = None,
    bus: Annotated[
        str, typer.Option("--bus", envvar="FLEETHUB_BUS", help="'local' or nats://host:port.")
    ] = "local",
    log_format: Annotated[
        str, typer.Option("--log-format", envvar="FLEETHUB_LOG_FORMAT", help="text or json.")
    ] = "text",
    log_level: Annotated[
        str, typer.Option("--log-level", envvar="FLEETHUB_LOG_LEVEL", help="debug, info...")
    ] = "info",
) -> None:
    """Serve the hub: service REST API, device endpoints and portal."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "host": host,
        "https_port": https_port,
        "mqtt_port": mqtt_port,
        "mqtt_plain_port": mqtt_plain_port,
        "device_rate_limit": device_rate_limit,
        "amqp_port": amqp_port,
        "eventhub_partitions": eventhub_partitions,
        "store": store,
        "store_schema": store_schema,
        "bus": bus,
        "log_format": log_format,
        "log_level": log_level,
    }
    if consumer_group:
        values["eventhub_consumer_groups"] = consumer_group
    if eventhub_events:
        values["eventhub_events"] = eventhub_events
    try:
        settings = Settings(**values)
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            typer.echo(f"fleethub serve: {where}: {problem['msg']}", err=True)
        raise typer.Exit(2) from None
    logs.setup(settings.log_format, settings.log_level)
    if not datadir.is_initialised(settings.data_dir):
        datadir.init(settings.data_dir, [])
        typer.echo(f"Initialised {settings.data_dir} (CA, server certificate, policies).")
        password = datadir.mint_portal_admin(settings.data_dir)  # shown once (#7)
        typer.echo(
            f"Web portal administrator (/ui/): user admin, password {password} "
            "(shown once, keep it secret)"
        )
    _run(settings)


def _run(settings: Settings) -> None:
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is not built for every platform
        runner = asyncio.run
    runner(_serve(settings))


async def _serve(settings: Settings) -> None:
    node = Node(settings)
    try:
        await node.start()
    except HubError as error:  # the store or the bus cannot be reached: say so, no traceback
        await node.stop()
        typer.echo(f"fleethub serve: cannot start: {error.message}", err=True)
        raise typer.Exit(1) from None
    _tune_gc()
    _banner(settings, node)
    await node.serve()


#: Allocations of container objects between young-generation collections (CPython: 700).
GC_YOUNG_THRESHOLD = 50_000


def _tune_gc() -> None:
    """Keep the cyclic GC off the hot path (docs/performance.md, "Garbage collection").

    Everything built at start-up (modules, schemas, routes, models) lives as long as the
    process: freezing it takes it out of every later collection. The larger young threshold
    lets short-lived per-message objects die before a collection sees them, instead of being
    traversed and promoted while their batch commits. This is the process's entry point, so
    tests, which build nodes in-process, keep CPython's defaults.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def _banner(settings: Settings, node: Node) -> None:
    identity = datadir.load(settings.data_dir)
    # Name the address actually bound when it is one the certificate covers.
    host = settings.host if settings.host in identity.hostnames else identity.hostnames[0]
    base = f"https://{host}:{node.https_port}"
    lines = [
        "fleethub is serving",
        f"  Service REST API   {base}/  (OpenAPI docs at {base}/docs)",
        f"  Web portal         {base}/ui/",
        f"  Device MQTT/TLS    mqtts://{host}:{node.mqtt_port}",
        f"  Device WebSocket   wss://{host}:{node.https_port}/$iothub/websocket",
        f"  Service AMQPS      amqps://{host}:{node.amqp_port}",
        f"  Health             {base}/health/ready",
        f"  Metrics            {base}/metrics",
        f"  Store              {settings.store_url().split('@')[-1]}",
        *(
            [f"  Plain MQTT (bench) mqtt://{settings.host}:{node.mqtt_plain_port}"]
            if node.mqtt_plain_port
            else []
        ),
        "  Owner connection string:",
        f"    {datadir.connection_string(identity, 'iothubowner', node.https_port, host)}",
        "  CA certificate devices and clients must trust:",
        f"    {tls.TlsFiles.in_dir(settings.data_dir).ca_cert.resolve()}",
    ]
    typer.echo("\n".join(lines))
