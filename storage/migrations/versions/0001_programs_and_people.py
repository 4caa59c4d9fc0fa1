"""programs and people

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("admins", sa.JSON(), nullable=False),
        sa.Column("shoutout_channel", sa.String(length=32), nullable=True),
        sa.Column("default_cadence", _enum("cadence", "weekly", "biweekly", "monthly"), nullable=False),
        sa.Column("anonymity_threshold", sa.Integer(), nullable=False),
        sa.Column("request_expiry_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
        sa.UniqueConstraint("team_id", name="uq_programs_team_id"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", _enum("role", "mentor", "mentee", "both"), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("seniority", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("work_start_minute", sa.Integer(), nullable=False),
        sa.Column("work_end_minute", sa.Integer(), nullable=False),
        sa.Column(
            "learning_style",
            _enum("learningstyle", "hands_on", "discussion", "reading", "observing"),
            nullable=False,
        ),
        sa.Column("meeting_channel", _enum("meetingchannel", "video", "in_person", "huddle"), nullable=False),
        sa.Column("cadence", _enum("cadence", "weekly", "biweekly", "monthly"), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("department", sa.String(length=80), nullable=False),
        sa.Column("do_not_match", sa.JSON(), nullable=False),
        sa.Column("status", _enum("personstatus", "active", "paused"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("team_id", "slack_user_id", name="uq_people_team_user"),
    )


def downgrade() -> None:
    op.drop_table("people")
    op.drop_table("programs")
