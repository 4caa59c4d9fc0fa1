"""scheduler

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "met", "not_yet", "rescheduled", "missed", name="checkinstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_checkins_pair_id_pairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index("ix_checkins_pair", ["pair_id", "status"], unique=False)

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("milestone", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("worked", sa.Text(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_evaluations_pair_id_pairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("pair_id", "user_id", "milestone", name="uq_evaluations_pair_user_milestone"),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index("ix_evaluations_remind", ["remind_at"], unique=False)

    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cadence",
                sa.Enum("weekly", "biweekly", "monthly", name="cadence", native_enum=False, length=16),
                server_default="biweekly",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("missed_checkins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_question", sa.Integer(), server_default="-1", nullable=False))
        batch_op.add_column(sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("low_rating", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("at_risk_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("health_check_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dormant_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("close_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_evaluation_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("evaluations_sent", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_pairs_close_at"), ["close_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairs_dormant_at"), ["dormant_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairs_health_check_at"), ["health_check_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairs_next_evaluation_at"), ["next_evaluation_at"], unique=False)

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_days", sa.JSON(), server_default="[30, 60, 90]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("evaluation_days")

    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairs_next_evaluation_at"))
        batch_op.drop_index(batch_op.f("ix_pairs_health_check_at"))
        batch_op.drop_index(batch_op.f("ix_pairs_dormant_at"))
        batch_op.drop_index(batch_op.f("ix_pairs_close_at"))
        batch_op.drop_column("evaluations_sent")
        batch_op.drop_column("next_evaluation_at")
        batch_op.drop_column("close_at")
        batch_op.drop_column("dormant_at")
        batch_op.drop_column("health_check_at")
        batch_op.drop_column("at_risk_since")
        batch_op.drop_column("low_rating")
        batch_op.drop_column("last_activity_at")
        batch_op.drop_column("last_question")
        batch_op.drop_column("missed_checkins")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("paused_at")
        batch_op.drop_column("cadence")

    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluations_remind")

    op.drop_table("evaluations")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_pair")

    op.drop_table("checkins")
