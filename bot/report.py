"""Program health for admins: counts and averages only, with small groups hidden so nobody can be singled out."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.closing import END_REASONS
from bot.evaluations import RATINGS
from bot.group_life import GroupFigures, group_figures
from storage.models import (
    CheckIn,
    CheckInStatus,
    Circle,
    CircleStatus,
    Evaluation,
    FitAnswer,
    FitCheck,
    Goal,
    GoalStatus,
    MatchRequest,
    Meeting,
    MeetingStatus,
    Pair,
    PairStatus,
    Person,
    PersonStatus,
    Program,
    RequestStatus,
)

MIN_THRESHOLD = 3
MILESTONES = ("day30", "day60", "day90", "final")
# From match to a working relationship, in order: the intro, the first meeting picked, held, the first goal, day 30.
FUNNEL_STEPS = ("intro", "scheduled", "held", "goal", "day30")
MET_WITHIN = timedelta(days=14)


def suppress(groups: Mapping[str, Sequence[float]], threshold: int) -> dict[str, float | None]:
    """Each answered group's mean, or None where it is hidden; groups nobody answered are left out.

    A group with fewer than `threshold` respondents is hidden; while the hidden groups together have fewer than
    `threshold` respondents, the smallest shown group is hidden too (complementary suppression), so no hidden
    figure can be worked out by subtracting the shown ones from the overall one.
    """
    counts = {name: len(values) for name, values in groups.items() if values}
    hidden = {name for name, n in counts.items() if n < threshold}
    while hidden and sum(counts[name] for name in hidden) < threshold:
        shown = [name for name in counts if name not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda name: (counts[name], name)))
    return {
        name: (None if name in hidden else round(statistics.fmean(values), 2))
        for name, values in groups.items()
        if values
    }


def overall(values: Sequence[float], threshold: int) -> float | None:
    return round(statistics.fmean(values), 2) if len(values) >= threshold else None


def suppress_counts(counts: Mapping[str, int], threshold: int) -> dict[str, int]:
    """The counts that may be shown: each from at least `threshold` people, and the hidden ones together too
    (else the smallest shown one is hidden as well), so no hidden count can be worked out from a total."""
    shown = {name: n for name, n in counts.items() if n >= threshold}
    while shown and 0 < sum(counts.values()) - sum(shown.values()) < threshold:
        del shown[min(shown, key=lambda name: (shown[name], name))]
    return shown


@dataclass(frozen=True)
class QuestionRow:
    key: str
    question: str
    overall: float | None
    respondents: int
    by_milestone: dict[str, float | None]


@dataclass(frozen=True)
class FunnelStep:
    """How many pairs reached a step (None: fewer than the threshold), and the median days from the step before."""

    key: str
    pairs: int | None
    median_days: float | None = None


@dataclass(frozen=True)
class Funnel:
    steps: tuple[FunnelStep, ...]
    # Of the pairs introduced at least 14 days ago (or that met sooner), the share that met within 14 days.
    met_within_14_days: float | None = None

    @property
    def intros(self) -> int | None:
        return self.steps[0].pairs if self.steps else None


def funnel_of(reached: Sequence[Mapping[int, datetime]], now: datetime, threshold: int) -> Funnel:
    """The funnel from when each pair reached each step (one mapping of pair to moment per step, intro first).

    A count under `threshold` is hidden, and a median or a share is shown only when it comes from `threshold` pairs.
    """
    intros = reached[0] if reached else {}
    steps = []
    for index, key in enumerate(FUNNEL_STEPS[: len(reached)]):
        moments = {pair: when for pair, when in reached[index].items() if pair in intros}
        median = None
        if index:
            before = reached[index - 1]
            gaps = [
                max(0.0, (when - before[pair]).total_seconds() / 86400)
                for pair, when in moments.items()
                if pair in before
            ]
            median = round(statistics.median(gaps), 1) if len(gaps) >= threshold else None
        steps.append(FunnelStep(key, len(moments) if len(moments) >= threshold else None, median))
    held = reached[2] if len(reached) > 2 else {}
    met_soon = {pair for pair, when in held.items() if pair in intros and when - intros[pair] <= MET_WITHIN}
    eligible = {pair for pair, started in intros.items() if now - started >= MET_WITHIN} | met_soon
    share = round(len(met_soon) / len(eligible), 3) if len(eligible) >= threshold else None
    return Funnel(tuple(steps), share)


def _first(session: Session, pair_column: Any, moment: Any, *where: Any) -> dict[int, datetime]:
    rows = session.execute(
        select(pair_column, func.min(moment)).where(moment.is_not(None), *where).group_by(pair_column)
    )
    return {int(pair): when for pair, when in rows if when is not None}


def program_funnel(session: Session, program_id: int, now: datetime, threshold: int) -> Funnel:
    """The program's funnel from intro to day-30 evaluation, in five grouped queries."""
    own = pairs_of(program_id)
    return funnel_of(
        [
            _first(session, Pair.id, Pair.started_at, Pair.program_id == program_id),
            _first(session, Meeting.pair_id, Meeting.scheduled_at, Meeting.program_id == program_id),
            _first(session, Meeting.pair_id, Meeting.held_at, Meeting.program_id == program_id),
            _first(session, Goal.pair_id, Goal.created_at, Goal.pair_id.in_(own)),
            _first(
                session,
                Evaluation.pair_id,
                Evaluation.answered_at,
                Evaluation.pair_id.in_(own),
                Evaluation.milestone == "day30",
            ),
        ],
        now,
        threshold,
    )


@dataclass(frozen=True)
class Report:
    threshold: int
    active_pairs: int
    proposed_pairs: int
    ended_pairs: int
    at_risk_pairs: int
    requests: dict[str, int]
    median_response_hours: float | None
    checkin_rate: float | None
    checkins_closed: int
    goals_total: int
    goals_completed: int
    evaluations: list[QuestionRow]
    nps: float | None
    fit: dict[str, int] | None
    # Pairs with a check-in answered "we met" in the last 30 days.
    met_recently: int = 0
    evaluations_answered: int = 0
    # Why people ended their pairs, as counts that may be shown (see `suppress_counts`); empty while too few.
    end_reasons: dict[str, int] = field(default_factory=dict)
    program: str = ""
    program_id: int = 0
    funnel: Funnel | None = None
    # Active pairs past the nudge (three days in) that have not picked a first meeting time, nor met.
    not_met_pairs: int = 0
    groups: GroupFigures | None = None

    @property
    def averages_shown(self) -> bool:
        return any(row.overall is not None for row in self.evaluations) or self.nps is not None


RECENT = timedelta(days=30)
DEFAULT_THRESHOLD = 5


def anonymity_threshold(session: Session, program_id: int) -> int:
    """The fewest people a figure in the program's reports may come from (never below MIN_THRESHOLD)."""
    program = session.get(Program, program_id)
    return max(MIN_THRESHOLD, program.anonymity_threshold if program else DEFAULT_THRESHOLD)


def _counted(session: Session, column: Any, *where: Any) -> dict[Any, int]:
    """Rows per value of `column` (a status, an answer) among those matching `where`."""
    rows = session.execute(select(column, func.count()).where(*where).group_by(column)).all()
    return {value: int(n) for value, n in rows}


def _median_response_hours(session: Session, program_id: int) -> float | None:
    waits = [
        (responded - created).total_seconds() / 3600
        for created, responded in session.execute(
            select(MatchRequest.created_at, MatchRequest.responded_at).where(
                MatchRequest.program_id == program_id,
                MatchRequest.responded_at.is_not(None),
                MatchRequest.status.in_((RequestStatus.ACCEPTED, RequestStatus.DECLINED)),
            )
        )
        if responded is not None
    ]
    return round(statistics.median(waits), 1) if waits else None


def _question_rows(answered: Sequence[Any], threshold: int) -> list[QuestionRow]:
    rows = []
    for key, question in RATINGS.items():
        by_milestone: dict[str, list[float]] = {m: [] for m in MILESTONES}
        for milestone, ratings, _ in answered:
            if key in ratings and milestone in by_milestone:
                by_milestone[milestone].append(float(ratings[key]))
        everyone = [v for values in by_milestone.values() for v in values]
        rows.append(
            QuestionRow(key, question, overall(everyone, threshold), len(everyone), suppress(by_milestone, threshold))
        )
    return rows


def net_promoter_score(scores: Sequence[int], threshold: int) -> float | None:
    """Promoters (9–10) minus detractors (0–6), in percent of everyone; None below the threshold."""
    if len(scores) < threshold:
        return None
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


def pairs_of(program_id: int) -> Select[Any]:
    """The IDs of the program's pairs, for filtering what belongs to them (check-ins, goals, evaluations)."""
    return select(Pair.id).where(Pair.program_id == program_id)


def program_report(session: Session, program_id: int, now: datetime, configured_threshold: int | None = None) -> Report:
    program = session.get_one(Program, program_id)
    threshold = max(MIN_THRESHOLD, configured_threshold or anonymity_threshold(session, program_id))
    pairs = _counted(session, Pair.status, Pair.program_id == program_id)
    at_risk = session.scalar(
        select(func.count()).where(
            Pair.program_id == program_id, Pair.status == PairStatus.ACTIVE, Pair.at_risk_since.is_not(None)
        )
    )
    requests = _counted(session, MatchRequest.status, MatchRequest.program_id == program_id)
    own = pairs_of(program_id)
    closed = _counted(session, CheckIn.status, CheckIn.pair_id.in_(own), CheckIn.status != CheckInStatus.OPEN)
    closed_total = sum(closed.values())
    goals = _counted(session, Goal.status, Goal.pair_id.in_(own))
    answered = session.execute(
        select(Evaluation.milestone, Evaluation.ratings, Evaluation.nps).where(
            Evaluation.pair_id.in_(own), Evaluation.answered_at.is_not(None)
        )
    ).all()
    fit_rows = _counted(session, FitCheck.answer, FitCheck.pair_id.in_(own))
    met_recently = session.scalar(
        select(func.count(func.distinct(CheckIn.pair_id))).where(
            CheckIn.pair_id.in_(own), CheckIn.status == CheckInStatus.MET, CheckIn.answered_at > now - RECENT
        )
    )
    chosen = _counted(
        session,
        Pair.end_reason,
        Pair.program_id == program_id,
        Pair.status == PairStatus.ENDED,
        Pair.end_reason.in_(END_REASONS),
    )
    return Report(
        program=program.name,
        program_id=program.id,
        threshold=threshold,
        active_pairs=pairs.get(PairStatus.ACTIVE, 0),
        proposed_pairs=pairs.get(PairStatus.PROPOSED, 0),
        ended_pairs=pairs.get(PairStatus.ENDED, 0),
        at_risk_pairs=int(at_risk or 0),
        not_met_pairs=len(not_met_yet(session, program_id, now)),
        requests={str(status): n for status, n in requests.items()},
        median_response_hours=_median_response_hours(session, program_id),
        checkin_rate=round(closed.get(CheckInStatus.MET, 0) / closed_total, 3) if closed_total else None,
        checkins_closed=closed_total,
        goals_total=sum(goals.values()),
        goals_completed=goals.get(GoalStatus.COMPLETED, 0),
        evaluations=_question_rows(answered, threshold),
        nps=net_promoter_score([int(nps) for _, _, nps in answered if nps is not None], threshold),
        fit={str(a): fit_rows.get(a, 0) for a in FitAnswer} if sum(fit_rows.values()) >= threshold else None,
        met_recently=int(met_recently or 0),
        evaluations_answered=len(answered),
        end_reasons=suppress_counts({str(k): n for k, n in chosen.items()}, threshold),
        funnel=program_funnel(session, program_id, now, threshold),
        groups=group_figures(session, program_id, threshold),
    )


@dataclass(frozen=True)
class OverviewLine:
    """One program in the workspace overview: what an admin scans first."""

    program_id: int
    name: str
    slug: str
    format: str
    stage: str
    members: int
    active_pairs: int  # pairs, or groups and circles in a program of those
    at_risk_pairs: int
    closed: bool
    group_size: int  # group mentoring: the most mentees in one group


def workspace_overview(session: Session, program_ids: Sequence[int]) -> list[OverviewLine]:
    """One line per program: its members and pairs (plain counts; nothing anyone said in confidence)."""
    members = dict(
        session.execute(
            select(Person.program_id, func.count())
            .where(Person.program_id.in_(program_ids), Person.status == PersonStatus.ACTIVE)
            .group_by(Person.program_id)
        ).all()
    )
    active = dict(
        session.execute(
            select(Pair.program_id, func.count())
            .where(Pair.program_id.in_(program_ids), Pair.status == PairStatus.ACTIVE)
            .group_by(Pair.program_id)
        ).all()
    )
    at_risk = dict(
        session.execute(
            select(Pair.program_id, func.count())
            .where(Pair.program_id.in_(program_ids), Pair.status == PairStatus.ACTIVE, Pair.at_risk_since.is_not(None))
            .group_by(Pair.program_id)
        ).all()
    )
    groups = dict(
        session.execute(
            select(Circle.program_id, func.count())
            .where(Circle.program_id.in_(program_ids), Circle.status == CircleStatus.ACTIVE)
            .group_by(Circle.program_id)
        ).all()
    )
    groups_at_risk = dict(
        session.execute(
            select(Circle.program_id, func.count())
            .where(
                Circle.program_id.in_(program_ids),
                Circle.status == CircleStatus.ACTIVE,
                Circle.at_risk_since.is_not(None),
            )
            .group_by(Circle.program_id)
        ).all()
    )
    programs = session.scalars(select(Program).where(Program.id.in_(program_ids)).order_by(Program.id))
    return [
        OverviewLine(
            program_id=p.id,
            name=p.name,
            slug=p.slug,
            format=str(p.format),
            stage=str(p.cohort_stage or ""),
            members=int(members.get(p.id, 0)),
            active_pairs=int(active.get(p.id, 0) + groups.get(p.id, 0)),
            at_risk_pairs=int(at_risk.get(p.id, 0) + groups_at_risk.get(p.id, 0)),
            closed=p.closed_at is not None,
            group_size=p.group_size,
        )
        for p in programs
    ]


NOT_MET_AFTER = timedelta(days=3)


def not_met_yet(session: Session, program_id: int, now: datetime) -> list[int]:
    """Active pairs of the program that started over three days ago and have neither a meeting set nor held one
    (they got the one nudge; now their admins should see them). Oldest first."""
    met = select(Meeting.pair_id).where(Meeting.status.in_((MeetingStatus.SCHEDULED, MeetingStatus.HELD)))
    return list(
        session.scalars(
            select(Pair.id)
            .where(
                Pair.program_id == program_id,
                Pair.status == PairStatus.ACTIVE,
                Pair.started_at <= now - NOT_MET_AFTER,
                Pair.id.not_in(met),
            )
            .order_by(Pair.started_at, Pair.id)
        )
    )
