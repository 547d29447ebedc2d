"""The composition root: Settings → store, Hub, HTTP app and listeners; start, serve, stop.

Only this module knows which adapters exist. Faces receive the Hub; nothing else is global.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleethub import __version__, api, datadir, tls, web
from fleethub.api import operations
from fleethub.api.iothub import fast_reads
from fleethub.api.portal import oidc
from fleethub.bus import open_bus
from fleethub.bus.local import LocalBus
from fleethub.http import RawPathMiddleware
from fleethub.hub.auth.service import HubNames
from fleethub.hub.central.application import Application
from fleethub.hub.clock import Clock, system_clock
from fleethub.hub.hub import Hub, HubConfig, HubStores
from fleethub.hub.jobs.runner import JobRunner, RunnerLimits
from fleethub.hub.jobs.service import JobAdapters
from fleethub.hub.messaging.consumer_groups import ConsumerGroups
from fleethub.hub.ports import Bus, SessionStore
from fleethub.metrics import Metrics, NodeFigures
from fleethub.remote.blobs import BlobStorage
from fleethub.remote.client import new_client
from fleethub.remote.iothub import HttpSourceHub
from fleethub.settings import Settings
from fleethub.store import Store, open_store
from fleethub.transports import https
from fleethub.transports.amqp import websocket as amqp_websocket
from fleethub.transports.amqp.peer import EventHubConfig, PeerContext
from fleethub.transports.amqp.server import AmqpServer
from fleethub.transports.mqtt import tls as mqtt_tls
from fleethub.transports.mqtt import websocket
from fleethub.transports.mqtt.device_calls import DeviceCalls
from fleethub.transports.mqtt.server import MqttServer
from fleethub.transports.mqtt.session_store import CachedSessions

log = logging.getLogger(__name__)


class MetricsMiddleware:
    """Counts requests by route template and status, and times them."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.request_done(route, scope["method"], status, time.perf_counter() - started)


def build_http_app(
    hub: Hub,
    metrics: Metrics,
    ready: Callable[[], Awaitable[bool]],
    calls: DeviceCalls | None = None,
) -> FastAPI:
    """The one HTTPS app: service REST, device HTTPS, MQTT over WebSocket, operations."""
    app = FastAPI(
        title="fleethub",
        version=__version__,
        description="Azure IoT Hub-compatible service REST API, Portal and IoT Central APIs.",
        # fleethub's own metrics are Prometheus (/metrics) and its logs JSON lines; FastAPI's
        # native OpenTelemetry would look for configured providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.hub = hub
    api.mount(app)
    app.include_router(https.router)
    app.include_router(operations.router(ready, metrics))
    if calls is not None:
        app.router.routes.append(websocket.route(calls))
    app.add_middleware(fast_reads.FastReads, hub=hub)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RawPathMiddleware)
    return app


def hub_config(identity: datadir.HubIdentity) -> HubConfig:
    return HubConfig(
        names=HubNames.of(identity.hostnames),
        policies={p.name: p for p in identity.policies},
        application=central_application(identity),
    )


def central_application(identity: datadir.HubIdentity) -> Application:
    """The IoT Central application as hub.json fixes it (issue #4)."""
    central = identity.central
    if central is None:
        return Application()
    return Application(central.app_id, central.display_name, central.created_time)


def eventhub_config(settings: Settings) -> EventHubConfig:
    return EventHubConfig(
        name=settings.eventhub_name,
        partitions=settings.eventhub_partitions,
        retention_seconds=settings.eventhub_retention_hours * 3600,
    )


@contextlib.asynccontextmanager
async def consumer_groups(settings: Settings) -> AsyncIterator[ConsumerGroups]:
    """The built-in endpoint's consumer groups in the store a node with these settings uses,
    for the CLI; running nodes see a change within one housekeeping pass."""
    store = await open_store(settings.store_url(), schema=settings.store_schema)
    try:
        configured = frozenset(settings.eventhub_consumer_groups)
        yield ConsumerGroups(store.consumer_groups, system_clock, configured)
    finally:
        await store.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def hub_stores(store: Store, jobs: JobAdapters | None) -> HubStores:
    """The hub's view of an opened Store (jobs: None where no job ever runs)."""
    return HubStores(
        store.identities,
        store.telemetry,
        store.c2d,
        store.feedback,
        models=store.models,
        api_tokens=store.api_tokens,
        profiles=store.profiles,
        commands=store.commands,
        recent=store.recent,
        configurations=store.configurations,
        avatars=store.avatars,
        jobs=jobs,
        consumer_groups=store.consumer_groups,
    )


def job_adapters(settings: Settings, store: Store, client: httpx.AsyncClient) -> JobAdapters:
    """Job stores and the outbound adapters jobs use (#6)."""
    blobs = BlobStorage(settings.data_dir, client)
    return JobAdapters(store.jobs, store.job_devices, blobs, HttpSourceHub(client))


def portal_oidc(settings: Settings) -> oidc.OidcSettings:
    """What GET /OIDCSettings shows (#5): no secret is among them."""
    return oidc.OidcSettings(
        authority=settings.oidc_authority,
        client_id=settings.oidc_client_id,
        scope=settings.oidc_scope,
        metadata_url=settings.oidc_metadata_url,
    )


def web_config(settings: Settings, identity: datadir.HubIdentity) -> web.WebConfig:
    """The portal's session secret and administrator (hub.json) and OIDC sign-in (#7)."""
    portal = identity.portal
    assert portal is not None  # datadir.init() always sets it
    return web.WebConfig(
        session_secret=portal.session_secret,
        admin_user=portal.admin_user,
        admin_hash=portal.admin_hash,
        ca_path=tls.TlsFiles.in_dir(settings.data_dir).ca_cert,
        save_admin_hash=functools.partial(datadir.set_portal_admin_hash, settings.data_dir),
        oidc=web.OidcConfig(
            authority=settings.oidc_authority,
            client_id=settings.oidc_client_id,
            scope=settings.oidc_scope,
            metadata_url=settings.oidc_metadata_url,
        ),
    )


def node_id(settings: Settings) -> str:
    """Stable across restarts, so a restarted node takes back its own job leases at once."""
    if settings.node_id:
        return settings.node_id
    where = f"{socket.gethostname()}:{settings.data_dir.resolve()}"
    return f"{where}:{settings.https_port}"[:256]


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the Node drains every listener on SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Node:
    """One fleethub process: `start()` opens and binds everything, `serve()` runs until stopped."""

    settings: Settings
    clock: Clock = system_clock
    store: Store | None = None
    hub: Hub | None = None
    bus: Bus | None = None
    https_port: int = 0
    mqtt_port: int = 0
    mqtt_plain_port: int | None = None
    _mqtt: MqttServer | None = None
    amqp_port: int = 0
    _amqp: AmqpServer | None = None
    _housekeeping: asyncio.Task[None] | None = None
    _configurations: asyncio.Task[None] | None = None
    _jobs: JobRunner | None = None
    _outbound: httpx.AsyncClient | None = None
    _https_socket: socket.socket | None = None
    _server: uvicorn.Server | None = None
    _stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def start(self) -> None:
        s = self.settings
        identity = datadir.init(s.data_dir, [])  # loads what exists, creates what does not
        self.store = store = await open_store(
            s.store_url(), schema=s.store_schema, pool_size=s.store_pool_size
        )
        stores = hub_stores(store, job_adapters(s, store, self._outbound_client()))
        configured = dataclasses.replace(
            hub_config(identity),
            node_id=node_id(s),
            builtin_events=frozenset(s.eventhub_events),
            hub_name=s.eventhub_name,
            consumer_groups=frozenset(s.eventhub_consumer_groups),
            retention_seconds=s.eventhub_retention_hours * 3600,
        )
        self.bus = open_bus(s.bus, configured.node_id, s.bus_prefix)
        self.hub = Hub(configured, stores, self.clock, self.bus)
        if isinstance(self.bus, LocalBus):
            # One node makes every identity write, so connects may authenticate from memory.
            self.hub.registry.cache_credentials()
        await self.hub.join()
        limits = RunnerLimits(jobs=s.jobs_concurrency, device_rate=s.jobs_device_rate)
        self._jobs = JobRunner(self.hub, limits)
        self._jobs.start()
        if identity.central is not None and identity.central.admin is not None:
            await self.hub.api_tokens.adopt(identity.central.admin)  # from `fleethub init`
        sessions: SessionStore = store.sessions
        if isinstance(self.bus, LocalBus):
            sessions = CachedSessions(sessions)  # only this node writes sessions
        calls = DeviceCalls(self.hub, sessions, s.device_rate_limit)
        metrics = Metrics()
        metrics.watch(self._figures)
        app = build_http_app(self.hub, metrics, self._ready, calls)
        setattr(app.state, oidc.STATE, portal_oidc(s))
        web.mount(app, web_config(s, identity))  # the portal under /ui/ (#7)
        files = tls.TlsFiles.in_dir(s.data_dir)
        self._mqtt = MqttServer(calls)
        context = mqtt_tls.server_context(
            files.server_cert, files.server_key, datadir.device_cas(s.data_dir)
        )
        self.mqtt_port = await self._mqtt.listen(s.host, s.mqtt_port, context)
        if s.mqtt_plain_port is not None:
            log.warning("plain-TCP MQTT is on (port %s): for benchmarks only", s.mqtt_plain_port)
            self.mqtt_plain_port = await self._mqtt.listen(s.host, s.mqtt_plain_port, None)
        await self.hub.consumer_groups.refresh()  # attaches check them without I/O
        self._amqp = AmqpServer(PeerContext(self.hub, eventhub_config(s)))
        self.amqp_port = await self._amqp.listen(s.host, s.amqp_port, tls.server_context(files))
        app.router.routes.append(amqp_websocket.route(self._amqp))
        self._housekeeping = asyncio.create_task(self.hub.run_housekeeping())
        worker = self.hub.configurations.worker
        worker.request_all()  # catch up with whatever changed while this node was down
        self._configurations = asyncio.create_task(
            worker.run_periodically(s.configurations_interval)
        )
        self._https_socket = _bind(s.host, s.https_port)
        self.https_port = self._https_socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            ssl_certfile=str(files.server_cert),
            ssl_keyfile=str(files.server_key),
            log_config=None,
            access_log=False,
            lifespan="off",
            loop="none",
            http="httptools",
            timeout_graceful_shutdown=10,
        )
        self._server = _Server(config)

    def _outbound_client(self) -> httpx.AsyncClient:
        self._outbound = new_client(self.settings.import_ca_bundle)
        return self._outbound

    def _figures(self) -> NodeFigures:
        assert self.hub is not None
        connections, ingest = len(self.hub.connections), self.hub.telemetry.figures()
        return NodeFigures(connections, ingest.messages, ingest.commits, ingest.queued)

    async def _ready(self) -> bool:
        """Ready only while both the store and the bus answer."""
        if self.store is None or self.bus is None:
            return False
        try:
            await self.store.ping()
        except Exception:
            log.warning("store does not answer", exc_info=True)
            return False
        if not await self.bus.ping():
            log.warning("bus does not answer")
            return False
        return True

    async def serve(self) -> None:
        """Serve until SIGINT/SIGTERM or `request_stop()`, then drain and close."""
        assert self._server is not None
        assert self._https_socket is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_stop)
        try:
            await self._server.serve(sockets=[self._https_socket])
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self.stop()

    def request_stop(self) -> None:
        log.info("stopping: finishing in-flight requests")
        if self._server is not None:
            self._server.should_exit = True

    async def stop(self) -> None:
        """Drain: stop accepting devices, close their sessions, flush, close the store."""
        if self._mqtt is not None:
            self._mqtt.stop_listening()
            self._mqtt = None
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            self._housekeeping = None
        if self._configurations is not None:
            self._configurations.cancel()
            self._configurations = None
        if self._amqp is not None:
            await self._amqp.close_all()
            self._amqp = None
        if self._jobs is not None:
            await self._jobs.stop()  # unfinished jobs resume on the next start
            self._jobs = None
        if self._outbound is not None:
            await self._outbound.aclose()
            self._outbound = None
        if self.hub is not None:
            await self.hub.close()
            await self.hub.telemetry.record_activity()
        if self.store is not None:
            await self.store.close()
            self.store = None
