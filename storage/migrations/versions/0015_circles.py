"""peer circles and their members

New tables only: every existing row is kept as it is.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "circles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "active", "ended", name="circlestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name=op.f("fk_circles_program_id_programs")),
        sa.ForeignKeyConstraint(["round_id"], ["match_rounds.id"], name=op.f("fk_circles_round_id_match_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circles")),
    )
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.create_index("ix_circles_program_status", ["program_id", "status"], unique=False)
    op.create_table(
        "circle_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], name=op.f("fk_circle_members_circle_id_circles")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_circle_members_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_members")),
        sa.UniqueConstraint("circle_id", "person_id", name="uq_circle_members_circle_person"),
    )
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.create_index("ix_circle_members_person", ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.drop_index("ix_circle_members_person")
    op.drop_table("circle_members")
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.drop_index("ix_circles_program_status")
    op.drop_table("circles")
