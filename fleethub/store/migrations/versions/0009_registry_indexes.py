"""identities: status and connection-state indexes that also serve the query pages' order

A query such as `SELECT * FROM devices WHERE status = 'disabled'` pages by (device_id,
module_id). With an index on `status` alone, SQLite walked the primary key in that order and
tested every row (21 ms over 100,000 devices when none matched); with (status, module_id,
device_id) it reads only the matching rows, already in page order (#2).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_identities_status_key", "identities", ["status", "module_id", "device_id"])
    op.create_index(
        "ix_identities_connection_key",
        "identities",
        ["connection_state", "module_id", "device_id"],
    )
    # Each is the leading column of an index above, so the single-column ones only cost writes.
    op.drop_index("ix_identities_status", table_name="identities")
    op.drop_index("ix_identities_connection_state", table_name="identities")


def downgrade() -> None:
    op.create_index("ix_identities_connection_state", "identities", ["connection_state"])
    op.create_index("ix_identities_status", "identities", ["status"])
    op.drop_index("ix_identities_connection_key", table_name="identities")
    op.drop_index("ix_identities_status_key", table_name="identities")
