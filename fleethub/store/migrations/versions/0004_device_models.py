"""device_models, api_tokens, central_devices, central_commands: the model catalogue and the
IoT Central application (issue #4)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_models",
        sa.Column("id", sa.String(256), primary_key=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("capability_model_id", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("created_time", sa.Double(), nullable=False),
        sa.Column("updated_time", sa.Double(), nullable=False),
        sa.Column("lorawan", sa.JSON(), nullable=True),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expiry", sa.Double(), nullable=False),
        sa.Column("created_time", sa.Double(), nullable=False),
    )
    op.create_table(
        "api_token_adoptions",
        sa.Column("secret_hash", sa.String(64), primary_key=True),
        sa.Column("adopted_time", sa.Double(), nullable=False),
    )
    op.create_table(
        "central_devices",
        sa.Column("device_id", sa.String(128), primary_key=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("cloud_properties", sa.JSON(), nullable=False),
        sa.Column("cloud_times", sa.JSON(), nullable=False),
    )
    op.create_table(
        "central_commands",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("created_time", sa.Double(), nullable=False),
        sa.Column("completed_time", sa.Double(), nullable=True),
    )
    op.create_index("ix_central_commands_device_id", "central_commands", ["device_id"])


def downgrade() -> None:
    op.drop_table("central_commands")
    op.drop_table("central_devices")
    op.drop_table("api_token_adoptions")
    op.drop_table("api_tokens")
    op.drop_table("device_models")
