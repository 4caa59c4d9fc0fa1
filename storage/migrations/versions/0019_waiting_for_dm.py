"""pairs and circles still waiting for their group DM, indexed for the scheduler's pass

Two partial indexes on `started_at` over the rows without a group DM: each tick's search for late group DMs reads
only those, however many pairs and circles a workspace has had. No row changes.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

WAITING = sa.text("channel_id IS NULL")


def upgrade() -> None:
    for table in ("pairs", "circles"):
        op.create_index(
            f"ix_{table}_waiting_for_dm",
            table,
            ["started_at"],
            unique=False,
            sqlite_where=WAITING,
            postgresql_where=WAITING,
        )


def downgrade() -> None:
    for table in ("circles", "pairs"):
        op.drop_index(f"ix_{table}_waiting_for_dm", table_name=table)
