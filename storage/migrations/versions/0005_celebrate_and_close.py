"""celebrate and close

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("from_user", sa.String(length=32), nullable=False),
        sa.Column("to_user", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thanks")),
    )
    with op.batch_alter_table("thanks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thanks_team_id"), ["team_id"], unique=False)

    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_by", sa.String(length=32), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_help_requests_pair_id_pairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
    )
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_requests_team_id"), ["team_id"], unique=False)

    op.create_table(
        "shoutouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("achievement", sa.String(length=200), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("consents", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("asking", "posted", "declined", name="shoutoutstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], name=op.f("fk_shoutouts_goal_id_goals")),
        sa.ForeignKeyConstraint(["pair_id"], ["pairs.id"], name=op.f("fk_shoutouts_pair_id_pairs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shoutouts")),
    )
    with op.batch_alter_table("shoutouts", schema=None) as batch_op:
        batch_op.create_index("ix_shoutouts_pair", ["pair_id"], unique=False)

    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stay_in_touch_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_pairs_stay_in_touch_at"), ["stay_in_touch_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairs_ends_at"), ["ends_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairs_ends_at"))
        batch_op.drop_index(batch_op.f("ix_pairs_stay_in_touch_at"))
        batch_op.drop_column("stay_in_touch_at")

    with op.batch_alter_table("shoutouts", schema=None) as batch_op:
        batch_op.drop_index("ix_shoutouts_pair")

    op.drop_table("shoutouts")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_requests_team_id"))

    op.drop_table("help_requests")
    with op.batch_alter_table("thanks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thanks_team_id"))

    op.drop_table("thanks")
