"""configurations, configuration_devices, model_avatars: IoT Hub configurations and the Portal
API's model pictures (#5)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "configurations",
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
    op.create_table(
        "configuration_devices",
        sa.Column("configuration_id", sa.String(128), primary_key=True),
        sa.Column("device_id", sa.String(128), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
    )
    op.create_index(
        "ix_configuration_devices_device_id", "configuration_devices", ["device_id"]
    )
    op.create_table(
        "model_avatars",
        sa.Column("model_id", sa.String(256), primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("updated_time", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("model_avatars")
    op.drop_table("configuration_devices")
    op.drop_table("configurations")
