"""meetings: the times offered to a pair, the one picked with its calendar event, and whether it was held

A new table only: every existing row is kept as it is.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "status",
            sa.Enum("proposed", "scheduled", "held", "cancelled", name="meetingstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("minutes", sa.Integer(), server_default="30", nullable=False),
        _when("start"),
        _when("end"),
        sa.Column("picked_by", sa.String(length=32), nullable=True),
        sa.Column("proposals", sa.JSON(), server_default="[]", nullable=False),
        _when("offered_at"),
        sa.Column("series", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("video_link", sa.String(length=500), server_default="", nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        _when("scheduled_at"),
        _when("held_at"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _when("nudge_at"),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"], name=op.f("fk_meetings_checkin_id_checkins")),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_meetings_pair_id_pairs")),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name=op.f("fk_meetings_program_id_programs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("uid", name=op.f("uq_meetings_uid")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_checkin_id"), ["checkin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_nudge_at"), ["nudge_at"], unique=False)
        batch_op.create_index("ix_meetings_pair", ["pair_id", "status"], unique=False)
        batch_op.create_index("ix_meetings_program", ["program_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_program")
        batch_op.drop_index("ix_meetings_pair")
        batch_op.drop_index(batch_op.f("ix_meetings_nudge_at"))
        batch_op.drop_index(batch_op.f("ix_meetings_checkin_id"))
    op.drop_table("meetings")
