"""mqtt_sessions: subscriptions of MQTT persistent sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mqtt_sessions",
        sa.Column("client_id", sa.String(260), primary_key=True),
        sa.Column("subscriptions", JSONDoc, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mqtt_sessions")
