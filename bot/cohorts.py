"""A cohort on the clock: sign-up opens and closes, matching day, a common start and end, one step at a time.

Each program with dates carries its stage and when the next step is due (`cohort_due_at`, indexed). A step is
claimed with a conditional UPDATE on both, so one process takes it; the step's messages are queued in the same
transaction by its due work (`bot.due.cohorts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.circle_rounds import FORMATS, CirclePreview, preview_circles
from bot.group_life import GroupView, active_groups, end_program_groups
from bot.pairs import PairView, view_of
from bot.programs import (
    CohortDates,
    ProgramInput,
    ProgramView,
    close_program,
    create_program,
    midpoint_days,
    program_in,
    view_of_program,
)
from bot.rounds import RoundPreview, preview_round
from bot.workspaces import installed
from storage.models import CohortStage, Goal, GoalStatus, Pair, PairStatus, Person, PersonStatus, Program

CLOSING_REMINDER = timedelta(days=1)


def calendar(program: Program) -> list[tuple[CohortStage, datetime]]:
    """The cohort's steps in order, each with the moment it is due; steps without a date are left out."""
    steps = [
        (CohortStage.SIGNUP_OPEN, program.signup_opens_at or program.created_at),
        (
            CohortStage.CLOSING_REMINDED,
            program.signup_closes_at - CLOSING_REMINDER if program.signup_closes_at else None,
        ),
        (CohortStage.SIGNUP_CLOSED, program.signup_closes_at),
        (CohortStage.MATCHING_DAY, program.matching_at),
        (CohortStage.STARTED, program.starts_at),
        (CohortStage.ENDED, program.ends_at),
    ]
    return [(stage, when) for stage, when in steps if when is not None]


def step_after(program: Program, stage: CohortStage | None) -> tuple[CohortStage, datetime] | None:
    """The next step of the calendar after `stage` (None: the first), or None when the cohort is done."""
    steps = calendar(program)
    order = [s for s, _ in steps]
    start = order.index(stage) + 1 if stage in order else 0
    return steps[start] if start < len(steps) else None


@dataclass
class CohortStep:
    """What one step of a cohort did, for its due work to announce."""

    team_id: str
    program: ProgramView
    stage: CohortStage
    admins: list[str]
    members: int = 0
    pairs: list[PairView] = field(default_factory=list)
    preview: RoundPreview | None = None
    # Group and circle programs: their round on matching day, and their groups at the cohort's end.
    circle_preview: CirclePreview | None = None
    groups: list[GroupView] = field(default_factory=list)
    groups_started: int = 0
    goals_completed: int = 0


def claim_due_step(session: Session, now: datetime, configured_admins: frozenset[str]) -> CohortStep | None:
    """Take one program whose next cohort step is due, move it on, and do what the step does."""
    due = session.scalars(
        select(Program.id)
        .where(Program.cohort_due_at <= now, Program.closed_at.is_(None), installed(Program.team_id))
        .order_by(Program.cohort_due_at)
        .limit(1)
    ).first()
    if due is None:
        return None
    program = session.get_one(Program, due)
    step = step_after(program, program.cohort_stage)
    following = step_after(program, step[0]) if step else None
    claimed = session.execute(
        update(Program)
        .where(
            Program.id == due,
            Program.cohort_due_at == program.cohort_due_at,
            Program.cohort_stage == program.cohort_stage,
        )
        .values(
            cohort_stage=step[0] if step else program.cohort_stage,
            cohort_due_at=following[1] if following else None,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1 or step is None:  # type: ignore[attr-defined]
        return None
    session.refresh(program)
    admins = sorted(set(configured_admins) | set(program.admins))
    done = CohortStep(program.team_id, view_of_program(program), step[0], admins)
    done.members = _active_members(session, program.id)
    if step[0] is CohortStage.MATCHING_DAY and program.format in FORMATS:
        done.circle_preview = preview_circles(session, program.team_id, program.id, "scheduler", now)
    elif step[0] is CohortStage.MATCHING_DAY:
        done.preview = preview_round(session, program.team_id, program.id, "scheduler", now)
    elif step[0] is CohortStage.STARTED:
        done.pairs = _start_together(session, program, now)
        done.groups_started = active_groups(session, program.id)
    elif step[0] is CohortStage.ENDED:
        done.goals_completed = _goals_completed(session, program.id)
        done.groups = end_program_groups(session, program.id, now)
        ended = close_program(session, program.team_id, program.id, now, reason="completed")
        done.pairs = [view_of(session, p) for p in ended]
        done.program = view_of_program(program)
    return done


def _active_members(session: Session, program_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(Person.program_id == program_id, Person.status == PersonStatus.ACTIVE)
        )
        or 0
    )


def _goals_completed(session: Session, program_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Goal)
            .join(Pair, Pair.id == Goal.pair_id)
            .where(Pair.program_id == program_id, Goal.status == GoalStatus.COMPLETED)
        )
        or 0
    )


def _start_together(session: Session, program: Program, now: datetime) -> list[PairView]:
    """Every pair formed before the start begins on the start day: its clock (evaluations, end) counts from it."""
    starts = program.starts_at or now
    pairs = list(session.scalars(select(Pair).where(Pair.program_id == program.id, Pair.status == PairStatus.ACTIVE)))
    for pair in pairs:
        pair.started_at = starts
        if program.ends_at is not None:
            pair.next_evaluation_at = starts + timedelta(days=midpoint_days(starts, program.ends_at))
    return [view_of(session, p) for p in pairs]


def clone_cohort(session: Session, team_id: str, program_id: int, name: str, created_by: str, now: datetime) -> Program:
    """The next cohort: the same settings and questions, every date moved on by the cohort's length, linked to
    this one (so its pairs are not repeated). Members are asked to continue; nobody is carried over unasked."""
    source = program_in(session, team_id, program_id)
    view = view_of_program(source)
    first = source.signup_opens_at or source.starts_at or now
    last = source.ends_at or source.starts_at or now
    shift = max(last - first, timedelta(days=1)) + timedelta(days=1)

    def moved(when: datetime | None) -> datetime | None:
        return when + shift if when is not None else None

    form = ProgramInput(
        template=source.template or "blank",
        name=name,
        purpose=source.purpose,
        enrolment=source.enrolment,
        admins=list(source.admins),
        channel=source.shoutout_channel,
        dates=CohortDates(
            moved(source.signup_opens_at),
            moved(source.signup_closes_at),
            moved(source.matching_at),
            moved(source.starts_at),
            moved(source.ends_at),
        ),
        questions=view.questions,
        mentors_per_mentee=source.mentors_per_mentee,
    )
    created = create_program(session, team_id, form, created_by, now)
    clone = session.get_one(Program, created.id)
    clone.previous_id = source.id
    clone.format = source.format
    clone.group_size = source.group_size
    clone.length_months = source.length_months
    clone.default_cadence = source.default_cadence
    clone.match_weights = dict(source.match_weights or {})
    clone.anonymity_threshold = source.anonymity_threshold
    clone.request_expiry_hours = source.request_expiry_hours
    return clone


def members_to_ask(session: Session, program_id: int) -> list[str]:
    """Who took part in a cohort and may be asked to continue in the next one."""
    return list(
        session.scalars(select(Person.slack_user_id).where(Person.program_id == program_id).order_by(Person.id))
    )
