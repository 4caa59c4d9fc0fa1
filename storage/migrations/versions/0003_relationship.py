"""relationship

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("proposed", "active", "superseded", name="agreementstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("proposed_by", sa.String(length=32), nullable=False),
        sa.Column(
            "cadence",
            sa.Enum("weekly", "biweekly", "monthly", name="cadence", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("meeting_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "meeting_channel",
            sa.Enum("video", "in_person", "huddle", name="meetingchannel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("focus", sa.Text(), nullable=False),
        sa.Column("length_months", sa.Integer(), nullable=False),
        sa.Column("confidentiality", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_agreements_pair_id_pairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index("ix_agreements_pair", ["pair_id", "status"], unique=False)

    op.create_table(
        "fit_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column(
            "answer",
            sa.Enum("good", "deciding", "not_good", name="fitanswer", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_fit_checks_pair_id_pairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fit_checks")),
        sa.UniqueConstraint("pair_id", "user_id", name="uq_fit_checks_pair_user"),
    )
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("first_action", sa.Text(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.Enum("open", "completed", name="goalstatus", native_enum=False, length=16), nullable=False
        ),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_goals_pair_id_pairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.create_index("ix_goals_pair", ["pair_id"], unique=False)

    op.create_table(
        "goal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], name=op.f("fk_goal_events_goal_id_goals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_events")),
    )
    with op.batch_alter_table("goal_events", schema=None) as batch_op:
        batch_op.create_index("ix_goal_events_goal", ["goal_id"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], name=op.f("fk_milestones_goal_id_goals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index("ix_milestones_goal", ["goal_id"], unique=False)

    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_checkin_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("fit_check_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=40), server_default="", nullable=False))
        batch_op.create_index(batch_op.f("ix_pairs_fit_check_at"), ["fit_check_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairs_next_checkin_at"), ["next_checkin_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairs_next_checkin_at"))
        batch_op.drop_index(batch_op.f("ix_pairs_fit_check_at"))
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ends_at")
        batch_op.drop_column("fit_check_at")
        batch_op.drop_column("next_checkin_at")

    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index("ix_milestones_goal")

    op.drop_table("milestones")
    with op.batch_alter_table("goal_events", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_events_goal")

    op.drop_table("goal_events")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_index("ix_goals_pair")

    op.drop_table("goals")
    op.drop_table("fit_checks")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_agreements_pair")

    op.drop_table("agreements")
