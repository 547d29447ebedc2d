"""messages.message_id: find a device's resend (MQTT DUP) after a node died before its PUBACK

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("message_id", sa.Text(), nullable=True))
    op.create_index(
        "ix_messages_message_id",
        "messages",
        ["device_id", "message_id"],
        sqlite_where=sa.text("message_id IS NOT NULL"),
        postgresql_where=sa.text("message_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_message_id", table_name="messages")
    op.drop_column("messages", "message_id")
