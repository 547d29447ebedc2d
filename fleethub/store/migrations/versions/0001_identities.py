"""identities: devices, modules and their twins

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("device_id", sa.String(128), primary_key=True),
        sa.Column("module_id", sa.String(128), primary_key=True, server_default=""),
        sa.Column("generation_id", sa.String(32), nullable=False),
        sa.Column("etag_seq", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("status", sa.String(16), nullable=False, server_default="enabled"),
        sa.Column("status_reason", sa.String(128), nullable=True),
        sa.Column("status_updated_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connection_state", sa.String(16), nullable=False, server_default="Disconnected"),
        sa.Column("connection_state_updated_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("c2d_count", sa.Integer, nullable=False, server_default="0"),
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
        sa.Column("tags", JSONDoc, nullable=False),
        sa.Column("desired", JSONDoc, nullable=False),
        sa.Column("reported", JSONDoc, nullable=False),
        sa.Column("desired_metadata", JSONDoc, nullable=False),
        sa.Column("reported_metadata", JSONDoc, nullable=False),
        sa.Column("desired_version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("reported_version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("twin_version", sa.BigInteger, nullable=False, server_default="1"),
    )
    op.create_index("ix_identities_module_device", "identities", ["module_id", "device_id"])
    op.create_index("ix_identities_status", "identities", ["status"])
    op.create_index("ix_identities_connection_state", "identities", ["connection_state"])
    op.create_index("ix_identities_model_id", "identities", ["model_id"])


def downgrade() -> None:
    op.drop_table("identities")
