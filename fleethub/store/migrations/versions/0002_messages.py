"""messages, c2d_messages, c2d_feedback: the telemetry log and the cloud-to-device queues

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# BIGSERIAL on PostgreSQL; INTEGER PRIMARY KEY AUTOINCREMENT (the rowid, never reused) on SQLite.
AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("sequence_number", AutoId, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("module_id", sa.String(128), nullable=False),
        sa.Column("enqueued_time", sa.Double(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("system", sa.JSON(), nullable=False),
        sa.Column("auth_method", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("validation", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_messages_device_sequence", "messages", ["device_id", "sequence_number"])
    op.create_index("ix_messages_enqueued_time", "messages", ["enqueued_time"])

    op.create_table(
        "c2d_messages",
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
        sa.Column("ack", sa.String(16), nullable=False),
        sa.Column("enqueued_time", sa.Double(), nullable=False),
        sa.Column("expiry_time", sa.Double(), nullable=False),
        sa.Column("delivery_count", sa.Integer(), nullable=False),
        sa.Column("lock_token", sa.Text(), nullable=True),
        sa.Column("locked_until", sa.Double(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_c2d_messages_device_id", "c2d_messages", ["device_id", "id"])
    op.create_index("ix_c2d_messages_expiry_time", "c2d_messages", ["expiry_time"])

    op.create_table(
        "c2d_feedback",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("original_message_id", sa.Text(), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("device_generation_id", sa.String(32), nullable=False),
        sa.Column("status_code", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enqueued_time", sa.Double(), nullable=False),
        sa.Column("lock_token", sa.Text(), nullable=True),
        sa.Column("locked_until", sa.Double(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_c2d_feedback_lock_token", "c2d_feedback", ["lock_token"])


def downgrade() -> None:
    op.drop_table("c2d_feedback")
    op.drop_table("c2d_messages")
    op.drop_table("messages")
