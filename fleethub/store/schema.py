"""The one schema, for SQLite and PostgreSQL alike; Alembic migrates it (store/migrations).

Identities and their twins share one row (`identities`): a device is the row whose
`module_id` is "" and a module carries its device's id beside its own. Keeping the twin in
the identity row lets the IoT Hub query language run over a single table with no joins.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

#: JSON documents: JSONB on PostgreSQL (indexable, comparable), JSON text on SQLite.
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

identities = sa.Table(
    "identities",
    metadata,
    sa.Column("device_id", sa.String(128), primary_key=True),
    # "" for the device itself, the module id for a module identity.
    sa.Column("module_id", sa.String(128), primary_key=True, server_default=""),
    sa.Column("generation_id", sa.String(32), nullable=False),
    # Identity ETag counter (Device.etag / Module.etag are derived from it).
    sa.Column("etag_seq", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("status", sa.String(16), nullable=False, server_default="enabled"),
    sa.Column("status_reason", sa.String(128), nullable=True),
    sa.Column("status_updated_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("connection_state", sa.String(16), nullable=False, server_default="Disconnected"),
    sa.Column("connection_state_updated_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_activity_time", sa.DateTime(timezone=True), nullable=True),
    sa.Column("c2d_count", sa.Integer, nullable=False, server_default="0"),
    # "sas" | "selfSigned" | "certificateAuthority" | "none"
    sa.Column("auth_type", sa.String(24), nullable=False, server_default="sas"),
    sa.Column("primary_key", sa.String(96), nullable=True),
    sa.Column("secondary_key", sa.String(96), nullable=True),
    sa.Column("primary_thumbprint", sa.String(64), nullable=True),
    sa.Column("secondary_thumbprint", sa.String(64), nullable=True),
    sa.Column("iot_edge", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("device_scope", sa.String(256), nullable=True),
    sa.Column("parent_scopes", JSONDoc, nullable=True),
    sa.Column("managed_by", sa.String(128), nullable=True),
    sa.Column("model_id", sa.String(256), nullable=True),
    sa.Column("created_time", sa.DateTime(timezone=True), nullable=False),
    # The twin: tags, desired and reported documents (without $metadata/$version), their
    # metadata trees, per-section versions and the twin version/ETag counter.
    sa.Column("tags", JSONDoc, nullable=False),
    sa.Column("desired", JSONDoc, nullable=False),
    sa.Column("reported", JSONDoc, nullable=False),
    sa.Column("desired_metadata", JSONDoc, nullable=False),
    sa.Column("reported_metadata", JSONDoc, nullable=False),
    sa.Column("desired_version", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("reported_version", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("twin_version", sa.BigInteger, nullable=False, server_default="1"),
    sa.Index("ix_identities_module_device", "module_id", "device_id"),
    # Filter and page order at once: `WHERE status = ?` pages by (device_id, module_id).
    sa.Index("ix_identities_status_key", "status", "module_id", "device_id"),
    sa.Index("ix_identities_connection_key", "connection_state", "module_id", "device_id"),
    sa.Index("ix_identities_model_id", "model_id"),
)

#: MQTT persistent sessions (CleanSession=0): subscriptions per client id.
mqtt_sessions = sa.Table(
    "mqtt_sessions",
    metadata,
    sa.Column("client_id", sa.String(260), primary_key=True),
    sa.Column("subscriptions", JSONDoc, nullable=False),
)

#: Autoincrement keys: BIGSERIAL on PostgreSQL; on SQLite only INTEGER PRIMARY KEY aliases the
#: rowid, and the tables below add AUTOINCREMENT so a number is never handed out twice, even
#: after retention has deleted the newest rows.
AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The telemetry log (D2C). Append-only and read in sequence order, so its JSON columns are
# plain JSON on both engines: nothing queries inside them and JSONB would cost CPU per row.
# Times are float epoch seconds (DOUBLE), exactly the `float` the domain hands over.
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("sequence_number", AutoId, primary_key=True, autoincrement=True),
    sa.Column("device_id", sa.String(128), nullable=False),
    # "" when the message came from the device itself rather than one of its modules.
    sa.Column("module_id", sa.String(128), nullable=False),
    sa.Column("enqueued_time", sa.Double(), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
    sa.Column("properties", sa.JSON(), nullable=False),
    # Non-empty system properties only, keyed by Message field: {"content_type": "..."}.
    sa.Column("system", sa.JSON(), nullable=False),
    sa.Column("auth_method", sa.String(32), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("validation", sa.Text(), nullable=True),
    # Also in `system`; a column of its own so a device's resend (MQTT DUP) is found (#9).
    sa.Column("message_id", sa.Text(), nullable=True),
    sa.Index("ix_messages_device_sequence", "device_id", "sequence_number"),
    sa.Index(
        "ix_messages_message_id",
        "device_id",
        "message_id",
        sqlite_where=sa.text("message_id IS NOT NULL"),
        postgresql_where=sa.text("message_id IS NOT NULL"),
    ),
    sa.Index("ix_messages_enqueued_time", "enqueued_time"),
    sqlite_autoincrement=True,
)

# One queue per device, oldest first by `id`. A message is ready when it has not expired and
# carries no lock, or its lock has lapsed; delivery locks it and bumps delivery_count.
c2d_messages = sa.Table(
    "c2d_messages",
    metadata,
    sa.Column("id", AutoId, primary_key=True, autoincrement=True),
    sa.Column("device_id", sa.String(128), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
    sa.Column("properties", sa.JSON(), nullable=False),
    sa.Column("message_id", sa.Text(), nullable=True),
    sa.Column("correlation_id", sa.Text(), nullable=True),
    sa.Column("user_id", sa.Text(), nullable=True),
    sa.Column("content_type", sa.Text(), nullable=True),
    sa.Column("content_encoding", sa.Text(), nullable=True),
    sa.Column("expiry_time_utc", sa.Text(), nullable=True),
    # none | positive | negative | full
    sa.Column("ack", sa.String(16), nullable=False),
    sa.Column("enqueued_time", sa.Double(), nullable=False),
    sa.Column("expiry_time", sa.Double(), nullable=False),
    sa.Column("delivery_count", sa.Integer(), nullable=False),
    sa.Column("lock_token", sa.Text(), nullable=True),
    sa.Column("locked_until", sa.Double(), nullable=True),
    sa.Index("ix_c2d_messages_device_id", "device_id", "id"),
    sa.Index("ix_c2d_messages_expiry_time", "expiry_time"),
    sqlite_autoincrement=True,
)

# Delivery outcomes waiting for the service's feedback receiver; a receive locks up to 500
# of them under one token until completed, abandoned or the lock lapses.
c2d_feedback = sa.Table(
    "c2d_feedback",
    metadata,
    sa.Column("id", AutoId, primary_key=True, autoincrement=True),
    sa.Column("original_message_id", sa.Text(), nullable=False),
    sa.Column("device_id", sa.String(128), nullable=False),
    sa.Column("device_generation_id", sa.String(32), nullable=False),
    # Success | Expired | DeliveryCountExceeded | Rejected
    sa.Column("status_code", sa.String(32), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("enqueued_time", sa.Double(), nullable=False),
    sa.Column("lock_token", sa.Text(), nullable=True),
    sa.Column("locked_until", sa.Double(), nullable=True),
    sa.Index("ix_c2d_feedback_lock_token", "lock_token"),
    sqlite_autoincrement=True,
)

# Long-running jobs (#6): Azure scheduled jobs, registry import/export and hub imports, one
# family each. `lease_owner`/`lease_until` let exactly one node run a job; the counters are
# updated in the same transaction as the per-device rows they count. Times are epoch seconds.
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("family", sa.String(16), primary_key=True),
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("request", JSONDoc, nullable=False),
    sa.Column("created_time", sa.Double(), nullable=False),
    sa.Column("start_time", sa.Double(), nullable=True),
    sa.Column("started_time", sa.Double(), nullable=True),
    sa.Column("end_time", sa.Double(), nullable=True),
    sa.Column("max_execution_seconds", sa.BigInteger(), nullable=True),
    sa.Column("failure_reason", sa.Text(), nullable=True),
    sa.Column("status_message", sa.Text(), nullable=True),
    sa.Column("device_count", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("succeeded", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("failed", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("running", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("targets_selected", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("forgotten", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("lease_owner", sa.String(256), nullable=True),
    sa.Column("lease_until", sa.Double(), nullable=True),
    sa.Index("ix_jobs_status", "status"),
    sa.Index("ix_jobs_family_created", "family", "created_time"),
)

# One row per device a scheduled job selected (`SELECT * FROM devices.jobs`): pending →
# running (method jobs, before the call) → completed | failed | cancelled.
job_devices = sa.Table(
    "job_devices",
    metadata,
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("device_id", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_time", sa.Double(), nullable=False),
    sa.Column("start_time", sa.Double(), nullable=True),
    sa.Column("end_time", sa.Double(), nullable=True),
    sa.Column("last_updated", sa.Double(), nullable=True),
    sa.Column("outcome", sa.JSON(), nullable=True),
    sa.Column("error_code", sa.String(64), nullable=True),
    sa.Column("error_description", sa.Text(), nullable=True),
    # No index on status: every query goes by (job_id, device_id), the key. An index led by
    # status made PostgreSQL scan every pending row to find a batch of 500 (issue #6 bench).
)

# The model catalogue (issue #4): device templates and DTDL models, one row per DTMI. Plain
# JSON rather than JSONB so a template comes back with its keys in the order they were sent.
device_models = sa.Table(
    "device_models",
    metadata,
    sa.Column("id", sa.String(256), primary_key=True),
    sa.Column("display_name", sa.Text(), nullable=True),
    sa.Column("capability_model_id", sa.Text(), nullable=False),
    sa.Column("document", sa.JSON(), nullable=False),
    sa.Column("etag", sa.String(64), nullable=False),
    sa.Column("created_time", sa.Double(), nullable=False),
    sa.Column("updated_time", sa.Double(), nullable=False),
    # LoRaWAN profile for the Portal API (appEUI, sensorDecoderURL, commands).
    sa.Column("lorawan", sa.JSON(), nullable=True),
)

# IoT Central API tokens: only the SHA-256 of each secret is kept.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("roles", sa.JSON(), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("expiry", sa.Double(), nullable=False),
    sa.Column("created_time", sa.Double(), nullable=False),
)

# Bootstrap tokens from `fleethub init` already taken in, so a deleted one never comes back.
api_token_adoptions = sa.Table(
    "api_token_adoptions",
    metadata,
    sa.Column("secret_hash", sa.String(64), primary_key=True),
    sa.Column("adopted_time", sa.Double(), nullable=False),
)

# IoT Central's data beside an identity: display name, simulated flag, cloud properties.
central_devices = sa.Table(
    "central_devices",
    metadata,
    sa.Column("device_id", sa.String(128), primary_key=True),
    sa.Column("display_name", sa.Text(), nullable=True),
    sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("cloud_properties", sa.JSON(), nullable=False),
    sa.Column("cloud_times", sa.JSON(), nullable=False),
)

# IoT Central command invocations: Pending until the device answers (or does not).
central_commands = sa.Table(
    "central_commands",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(128), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("request", sa.JSON(), nullable=True),
    # Pending | Completed | Failed
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("result", sa.JSON(), nullable=True),
    sa.Column("response_code", sa.Integer(), nullable=True),
    sa.Column("created_time", sa.Double(), nullable=False),
    sa.Column("completed_time", sa.Double(), nullable=True),
    sa.Index("ix_central_commands_device_id", "device_id"),
)

# IoT Hub configurations (#5): automatic device management and IoT Edge deployments. Content
# is immutable after creation; `etag_seq` counts updates (the etag is its base64).
configurations = sa.Table(
    "configurations",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("schema_version", sa.String(16), nullable=False),
    sa.Column("labels", sa.JSON(), nullable=False),
    sa.Column("content", sa.JSON(), nullable=False),
    sa.Column("target_condition", sa.Text(), nullable=False),
    sa.Column("priority", sa.Integer(), nullable=False),
    sa.Column("metric_queries", sa.JSON(), nullable=False),
    sa.Column("created_time", sa.Double(), nullable=False),
    sa.Column("updated_time", sa.Double(), nullable=False),
    sa.Column("etag_seq", sa.BigInteger(), nullable=False),
)

# Where each configuration stands on each device it targets: Targeted | Applied, and for IoT
# Edge deployments the agent's verdict (success | failure). Metrics are counts over this.
configuration_devices = sa.Table(
    "configuration_devices",
    metadata,
    sa.Column("configuration_id", sa.String(128), primary_key=True),
    sa.Column("device_id", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Index("ix_configuration_devices_device_id", "device_id"),
)

# Device-model pictures, on PostgreSQL (a SQLite hub keeps them as files in the data dir).
model_avatars = sa.Table(
    "model_avatars",
    metadata,
    sa.Column("model_id", sa.String(256), primary_key=True),
    sa.Column("content_type", sa.String(32), nullable=False),
    sa.Column("data", sa.LargeBinary(), nullable=False),
    sa.Column("updated_time", sa.Double(), nullable=False),
)

# Consumer groups of the Event Hub-compatible endpoint created through the API or the CLI
# (issue #8); `key` is the name lower-cased, since Event Hubs compares names that way.
consumer_groups = sa.Table(
    "consumer_groups",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("created_time", sa.Double(), nullable=False),
)
