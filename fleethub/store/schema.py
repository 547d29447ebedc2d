"""The one schema, for SQLite and PostgreSQL alike; Alembic migrates it (store/migrations).

Identities and their twins share one row (`identities`): a device is the row whose
`module_id` is "" and a module carries its device's id beside its own. Keeping the twin in
the identity row lets the IoT Hub query language run over a single table with no joins.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: JSON documents: JSONB on PostgreSQL (indexable, comparable), JSON text on SQLite.
JSONDoc = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")

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
    sa.Index("ix_identities_status", "status"),
    sa.Index("ix_identities_connection_state", "connection_state"),
    sa.Index("ix_identities_model_id", "model_id"),
)
