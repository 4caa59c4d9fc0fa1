"""calendar connections: the calendars people connect (tokens encrypted) and their sign-ins on the way

New tables only: every existing row is kept as it is.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _provider() -> sa.Enum:
    return sa.Enum("google", "microsoft", name="calendarprovider", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "calendar_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("provider", _provider(), nullable=False),
        sa.Column("email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), server_default="", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_connections")),
        sa.UniqueConstraint("team_id", "user_id", name="uq_calendar_connections_person"),
    )
    op.create_table(
        "calendar_sign_ins",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("provider", _provider(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_calendar_sign_ins")),
    )
    with op.batch_alter_table("calendar_sign_ins", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_sign_ins_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_sign_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_sign_ins_expires_at")
    op.drop_table("calendar_sign_ins")
    op.drop_table("calendar_connections")
