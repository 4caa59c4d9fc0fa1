"""several programs per workspace: names, formats, questions, cohort dates; memberships and pairs per program

The workspace's one program keeps its row and becomes the first of several (named "Mentoring", or
MENTORBOT_PROGRAM_NAME when set); every person, pair, request and round is given to it.

Revision ID: 0011
Revises: 0010
"""

import os
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

POOL_BEFORE = ["team_id", "status", "role", "capacity", "active_mentees", "updated_at"]
POOL_AFTER = ["program_id", "status", "role", "capacity", "active_mentees", "updated_at"]
OWNED = ("people", "pairs", "match_requests", "match_rounds")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "mentoring"


def _give_every_team_a_program() -> None:
    """A workspace with people but no program row (never seen in practice, but possible) gets one too."""
    teams = set()
    for table in OWNED:
        teams |= {row[0] for row in op.get_bind().execute(sa.text(f"SELECT DISTINCT team_id FROM {table}"))}
    known = {row[0] for row in op.get_bind().execute(sa.text("SELECT team_id FROM programs"))}
    programs = sa.table(
        "programs",
        sa.column("team_id", sa.String),
        sa.column("admins", sa.JSON),
        sa.column("default_cadence", sa.String),
        sa.column("anonymity_threshold", sa.Integer),
        sa.column("request_expiry_hours", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    for team in sorted(teams - known):
        op.execute(
            programs.insert().values(
                team_id=team,
                admins=[],
                default_cadence="biweekly",
                anonymity_threshold=5,
                request_expiry_hours=72,
                created_at=now,
            )
        )


def upgrade() -> None:
    name = (os.environ.get("MENTORBOT_PROGRAM_NAME") or "Mentoring").strip()[:80] or "Mentoring"
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_programs_team_id", type_="unique")
        batch_op.add_column(sa.Column("name", sa.String(length=80), server_default="Mentoring", nullable=False))
        batch_op.add_column(sa.Column("slug", sa.String(length=40), server_default="mentoring", nullable=False))
        batch_op.add_column(sa.Column("purpose", sa.String(length=150), server_default="", nullable=False))
        batch_op.add_column(sa.Column("template", sa.String(length=24), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column(
                "format",
                _enum("programformat", "one_to_one", "group", "circle"),
                server_default="one_to_one",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "enrolment",
                _enum("enrolment", "open", "approval", "invitation", "admin"),
                server_default="open",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("length_months", sa.Integer(), server_default="6", nullable=False))
        batch_op.add_column(sa.Column("mentors_per_mentee", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("questions", sa.JSON(), server_default="[]", nullable=False))
        for column in ("signup_opens_at", "signup_closes_at", "matching_at", "starts_at", "ends_at"):
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "cohort_stage",
                _enum(
                    "cohortstage",
                    "planned",
                    "signup_open",
                    "closing_reminded",
                    "signup_closed",
                    "matching_day",
                    "started",
                    "ended",
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("cohort_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(op.f("fk_programs_previous_id_programs"), "programs", ["previous_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_programs_cohort_due_at"), ["cohort_due_at"], unique=False)
        batch_op.create_index("ix_programs_team_id", ["team_id"], unique=False)
        batch_op.create_unique_constraint("uq_programs_team_slug", ["team_id", "slug"])
    op.execute(sa.text("UPDATE programs SET name = :name, slug = :slug").bindparams(name=name, slug=_slug(name)))
    _give_every_team_a_program()

    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("program_id", sa.Integer(), nullable=True))
        op.execute(
            sa.text(
                f"UPDATE {table} SET program_id = "
                f"(SELECT MIN(programs.id) FROM programs WHERE programs.team_id = {table}.team_id)"
            )
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("program_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(op.f(f"fk_{table}_program_id_programs"), "programs", ["program_id"], ["id"])

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), server_default="{}", nullable=False))
        batch_op.drop_constraint("uq_people_team_user", type_="unique")
        batch_op.create_unique_constraint("uq_people_program_user", ["program_id", "slack_user_id"])
        batch_op.create_index("ix_people_team_user", ["team_id", "slack_user_id"], unique=False)
        batch_op.drop_index("ix_people_pool")
        batch_op.create_index("ix_people_pool", POOL_AFTER, unique=False)
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairs_program_id"), ["program_id"], unique=False)
    with op.batch_alter_table("match_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_rounds_program_id"), ["program_id"], unique=False)


def downgrade() -> None:
    """Back to one program per workspace: only possible while each workspace still has one program."""
    with op.batch_alter_table("match_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_rounds_program_id"))
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairs_program_id"))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_pool")
        batch_op.create_index("ix_people_pool", POOL_BEFORE, unique=False)
        batch_op.drop_index("ix_people_team_user")
        batch_op.drop_constraint("uq_people_program_user", type_="unique")
        batch_op.create_unique_constraint("uq_people_team_user", ["team_id", "slack_user_id"])
        batch_op.drop_column("answers")
    for table in reversed(OWNED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_program_id_programs"), type_="foreignkey")
            batch_op.drop_column("program_id")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_programs_team_slug", type_="unique")
        batch_op.drop_index("ix_programs_team_id")
        batch_op.drop_index(batch_op.f("ix_programs_cohort_due_at"))
        batch_op.drop_constraint(op.f("fk_programs_previous_id_programs"), type_="foreignkey")
        for column in (
            "closed_at",
            "previous_id",
            "cohort_due_at",
            "cohort_stage",
            "ends_at",
            "starts_at",
            "matching_at",
            "signup_closes_at",
            "signup_opens_at",
            "questions",
            "mentors_per_mentee",
            "length_months",
            "enrolment",
            "format",
            "template",
            "purpose",
            "slug",
            "name",
        ):
            batch_op.drop_column(column)
        batch_op.create_unique_constraint("uq_programs_team_id", ["team_id"])
