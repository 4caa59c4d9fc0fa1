"""the life of groups and circles: agreement, meeting times, check-ins with attendance, goals, evaluations,
shout-outs, offers; and the people a member would like to be matched with

New columns with defaults and new tables only: every existing circle, member and program is kept. A circle
formed before this release has no agreement yet, so no check-ins until its members agree one (App Home and
`/mentor status` show it; the group DM's "Propose our agreement" reaches new circles).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

CADENCE = sa.Enum("weekly", "biweekly", "monthly", name="cadence", native_enum=False, length=16)
OFFER = sa.Enum("open", "accepted", "declined", "gone", name="offerstatus", native_enum=False, length=16)


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _person(table: str, column: str, nullable: bool = False) -> list[SchemaItem]:
    return [
        sa.Column(column, sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint([column], ["people.id"], name=op.f(f"fk_{table}_{column}_people")),
    ]


def _circle(table: str) -> list[SchemaItem]:
    return [
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["circle_id"], ["circles.id"], name=op.f(f"fk_{table}_circle_id_circles")),
    ]


def upgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_size", sa.Integer(), server_default="4", nullable=False))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("window_minute", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agreement_status", sa.String(length=16), server_default="none", nullable=False))
        batch_op.add_column(sa.Column("agreement_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("window_zone", sa.String(length=64), server_default="UTC", nullable=False))
        batch_op.add_column(sa.Column("agreement_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cadence", CADENCE, nullable=True))
        batch_op.add_column(sa.Column("meeting_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("focus", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("offered_times", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(_at("time_picked_at"))
        batch_op.add_column(_at("next_checkin_at"))
        batch_op.add_column(_at("ends_at"))
        batch_op.add_column(_at("next_evaluation_at"))
        batch_op.add_column(sa.Column("evaluations_sent", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("meetings", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("facilitator_id", sa.Integer(), nullable=True))
        batch_op.add_column(_at("at_risk_since"))
        batch_op.add_column(_at("ended_at"))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=40), server_default="", nullable=False))
        batch_op.create_foreign_key(op.f("fk_circles_mentor_id_people"), "people", ["mentor_id"], ["id"])
        batch_op.create_foreign_key(op.f("fk_circles_agreement_by_people"), "people", ["agreement_by"], ["id"])
        batch_op.create_foreign_key(op.f("fk_circles_facilitator_id_people"), "people", ["facilitator_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_circles_next_checkin_at"), ["next_checkin_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_circles_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_circles_next_evaluation_at"), ["next_evaluation_at"], unique=False)
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.add_column(_at("agreed_at"))
    op.create_table(
        "circle_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        *_circle("circle_checkins"),
        sa.Column("number", sa.Integer(), nullable=False),
        *_person("circle_checkins", "facilitator_id", nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        _at("asked_at", nullable=False),
        sa.Column("at_risk", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_checkins")),
        sa.UniqueConstraint("circle_id", "number", name="uq_circle_checkins_circle_number"),
    )
    op.create_table(
        "circle_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"], ["circle_checkins.id"], name=op.f("fk_circle_attendance_checkin_id_circle_checkins")
        ),
        *_person("circle_attendance", "person_id"),
        sa.Column("attended", sa.Boolean(), nullable=False),
        _at("answered_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_attendance")),
        sa.UniqueConstraint("checkin_id", "person_id", name="uq_circle_attendance_checkin_person"),
    )
    op.create_table(
        "circle_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        *_circle("circle_evaluations"),
        *_person("circle_evaluations", "person_id"),
        sa.Column("milestone", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        _at("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_evaluations")),
        sa.UniqueConstraint("circle_id", "person_id", "milestone", name="uq_circle_evaluations_member_milestone"),
    )
    op.create_table(
        "circle_shoutouts",
        sa.Column("id", sa.Integer(), nullable=False),
        *_circle("circle_shoutouts"),
        *_person("circle_shoutouts", "proposed_by"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("named", sa.JSON(), nullable=False),
        sa.Column("consents", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _at("created_at", nullable=False),
        _at("posted_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_shoutouts")),
    )
    with op.batch_alter_table("circle_shoutouts", schema=None) as batch_op:
        batch_op.create_index("ix_circle_shoutouts_circle", ["circle_id"], unique=False)
    op.create_table(
        "circle_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        *_circle("circle_goals"),
        *_person("circle_goals", "person_id", nullable=True),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("first_action", sa.Text(), nullable=False),
        *_person("circle_goals", "created_by"),
        _at("created_at", nullable=False),
        _at("completed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_goals")),
    )
    with op.batch_alter_table("circle_goals", schema=None) as batch_op:
        batch_op.create_index("ix_circle_goals_circle", ["circle_id"], unique=False)
    op.create_table(
        "circle_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        *_circle("circle_offers"),
        *_person("circle_offers", "person_id"),
        sa.Column("status", OFFER, nullable=False),
        _at("created_at", nullable=False),
        _at("answered_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_offers")),
    )
    with op.batch_alter_table("circle_offers", schema=None) as batch_op:
        batch_op.create_index("ix_circle_offers_person_status", ["person_id", "status"], unique=False)
        batch_op.create_index("ix_circle_offers_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("circle_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_circle_offers_status_created")
        batch_op.drop_index("ix_circle_offers_person_status")
    op.drop_table("circle_offers")
    with op.batch_alter_table("circle_goals", schema=None) as batch_op:
        batch_op.drop_index("ix_circle_goals_circle")
    op.drop_table("circle_goals")
    with op.batch_alter_table("circle_shoutouts", schema=None) as batch_op:
        batch_op.drop_index("ix_circle_shoutouts_circle")
    op.drop_table("circle_shoutouts")
    op.drop_table("circle_evaluations")
    op.drop_table("circle_attendance")
    op.drop_table("circle_checkins")
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.drop_column("agreed_at")
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circles_next_evaluation_at"))
        batch_op.drop_index(batch_op.f("ix_circles_ends_at"))
        batch_op.drop_index(batch_op.f("ix_circles_next_checkin_at"))
        batch_op.drop_constraint(op.f("fk_circles_facilitator_id_people"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_circles_agreement_by_people"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_circles_mentor_id_people"), type_="foreignkey")
        for column in (
            "end_reason",
            "ended_at",
            "at_risk_since",
            "facilitator_id",
            "meetings",
            "evaluations_sent",
            "next_evaluation_at",
            "ends_at",
            "next_checkin_at",
            "time_picked_at",
            "offered_times",
            "focus",
            "meeting_minutes",
            "cadence",
            "agreement_by",
            "window_zone",
            "agreement_version",
            "agreement_status",
            "window_minute",
            "mentor_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("preferred")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("group_size")
