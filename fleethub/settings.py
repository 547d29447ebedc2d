"""Every knob of a fleethub node: its default and its environment variable (FLEETHUB_*).

docs/configuration.md lists each one; a test fails when a field is missing there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLEETHUB_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the CA, keys and SQLite live.")
    host: str = Field("127.0.0.1", description="Bind address of every listener.")
    https_port: int = Field(
        8443, ge=0, le=65535, description="Service REST, portal and WebSocket port."
    )
    mqtt_port: int = Field(8883, ge=0, le=65535, description="MQTT over TLS port for devices.")
    mqtt_plain_port: int | None = Field(
        None, ge=0, le=65535, description="Plain-TCP MQTT port, off by default: benchmarks only."
    )
    amqp_port: int = Field(
        5671, ge=0, le=65535, description="AMQPS port: service C2D send and Event Hub reads."
    )
    eventhub_name: str = Field(
        "fleethub", description="Entity name of the Event Hub-compatible built-in endpoint."
    )
    eventhub_partitions: int = Field(
        4, ge=1, le=32, description="Partitions of the built-in endpoint (device → partition)."
    )
    eventhub_consumer_groups: list[str] = Field(
        default_factory=list, description="Consumer groups besides $Default (a JSON list)."
    )
    eventhub_events: list[Literal["twinChangeEvents", "deviceLifecycleEvents"]] = Field(
        default_factory=list,
        description="Notifications the built-in endpoint also serves, as Azure routes would.",
    )
    eventhub_retention_hours: float = Field(
        24.0, gt=0, description="How long telemetry is kept (and served by the built-in endpoint)."
    )
    device_rate_limit: float = Field(
        1000.0, ge=0, description="Telemetry messages per second per device connection (0: off)."
    )
    store: str | None = Field(
        None, description="sqlite:///<data-dir>/fleethub.db (default) or a postgresql:// URL."
    )
    store_schema: str | None = Field(
        None, description="PostgreSQL schema to use (created if missing); default: search_path."
    )
    store_pool_size: int = Field(
        30, ge=1, le=500, description="PostgreSQL connections a node keeps open (+10 overflow)."
    )
    bus: str = Field(
        "local",
        pattern=r"^(local|(nats|tls)://\S+)$",
        description="'local' (one process) or a nats:// URL.",
    )
    bus_prefix: str = Field(
        "fleethub",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Names the cluster's NATS subjects and KV buckets; one per cluster.",
    )
    node_id: str | None = Field(
        None, max_length=200, description="This node's name in a cluster; default host:port."
    )
    log_format: Literal["text", "json"] = Field("text", description="Log line format.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Lowest level logged."
    )
    import_ca_bundle: Path | None = Field(
        None,
        description="Extra CA (PEM) trusted by hub imports and export/import URLs; TLS is "
        "always verified.",
    )
    jobs_concurrency: int = Field(2, ge=1, le=64, description="Jobs running at once per node.")
    jobs_device_rate: float = Field(
        0.0, ge=0, description="Most devices per second one job handles; 0: no limit."
    )
    configurations_interval: float = Field(
        60.0, gt=0, description="Seconds between full passes applying IoT Hub configurations."
    )
    oidc_authority: str | None = Field(None, description="OpenID Connect authority (issuer URL).")
    oidc_client_id: str | None = Field(None, description="OpenID Connect client id.")
    oidc_scope: str | None = Field(None, description="OpenID Connect scope(s) to request.")
    oidc_metadata_url: str | None = Field(
        None, description="OpenID Connect discovery document URL."
    )

    def store_url(self) -> str:
        return self.store or f"sqlite:///{(self.data_dir / 'fleethub.db').resolve()}"
