"""Files for admins and for each person: the program CSV, the program chart, and "my data" as JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
    CalendarConnection,
    CheckIn,
    CheckInStatus,
    Evaluation,
    FitCheck,
    Goal,
    GoalStatus,
    HelpRequest,
    MatchRequest,
    Pair,
    Person,
    Program,
    Thanks,
)

CSV_COLUMNS = (
    "pair_id",
    "mentor",
    "mentee",
    "status",
    "source",
    "score",
    "started",
    "ended",
    "checkins_met",
    "checkins_total",
    "goals_completed",
    "goals_total",
    "at_risk",
)


def program_csv(session: Session, program_id: int) -> bytes:
    """One row per pair: who, when, how it went in counts. No free text, no do-not-match lists, and no end reason:
    the end modal promises that admins see reasons only as counts (in the report), never against a pair."""
    people = dict(session.execute(select(Person.id, Person.slack_user_id).where(Person.program_id == program_id)).all())
    own = select(Pair.id).where(Pair.program_id == program_id)
    met = dict(
        session.execute(
            select(CheckIn.pair_id, func.count())
            .where(CheckIn.pair_id.in_(own), CheckIn.status == CheckInStatus.MET)
            .group_by(CheckIn.pair_id)
        ).all()
    )
    checkins = dict(
        session.execute(
            select(CheckIn.pair_id, func.count()).where(CheckIn.pair_id.in_(own)).group_by(CheckIn.pair_id)
        ).all()
    )
    done = dict(
        session.execute(
            select(Goal.pair_id, func.count())
            .where(Goal.pair_id.in_(own), Goal.status == GoalStatus.COMPLETED)
            .group_by(Goal.pair_id)
        ).all()
    )
    goals = dict(
        session.execute(select(Goal.pair_id, func.count()).where(Goal.pair_id.in_(own)).group_by(Goal.pair_id)).all()
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for pair in session.scalars(select(Pair).where(Pair.program_id == program_id).order_by(Pair.id)):
        writer.writerow(
            [
                pair.id,
                people.get(pair.mentor_id, ""),
                people.get(pair.mentee_id, ""),
                pair.status,
                pair.source,
                f"{pair.score:.3f}",
                pair.started_at.date().isoformat() if pair.started_at else "",
                pair.ended_at.date().isoformat() if pair.ended_at else "",
                met.get(pair.id, 0),
                checkins.get(pair.id, 0),
                done.get(pair.id, 0),
                goals.get(pair.id, 0),
                "yes" if pair.at_risk_since else "",
            ]
        )
    return out.getvalue().encode()


MAX_CHART_WEEKS = 26
MIN_CHART_WEEKS = 4


@dataclass(frozen=True)
class ChartSeries:
    """Week by week since the program's first pair (at most six months back): active pairs and check-ins met."""

    week_ends: tuple[date, ...]
    active: tuple[int, ...]
    met: tuple[int, ...]


def chart_series(session: Session, program_id: int, now: datetime) -> ChartSeries | None:
    """The span that has data, or None before the program's first pair starts."""
    pairs = list(
        session.execute(
            select(Pair.started_at, Pair.ended_at).where(Pair.program_id == program_id, Pair.started_at.is_not(None))
        )
    )
    if not pairs:
        return None
    met_times = list(
        session.scalars(
            select(CheckIn.answered_at)
            .join(Pair, Pair.id == CheckIn.pair_id)
            .where(Pair.program_id == program_id, CheckIn.status == CheckInStatus.MET)
        )
    )
    first = min(start for start, _ in pairs if start is not None)
    weeks = min(MAX_CHART_WEEKS, max(MIN_CHART_WEEKS, (now - first).days // 7 + 1))
    ends = [now - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    active = tuple(sum(1 for s, e in pairs if s is not None and s <= end and (e is None or e > end)) for end in ends)
    met = tuple(sum(1 for t in met_times if t is not None and end - timedelta(weeks=1) < t <= end) for end in ends)
    return ChartSeries(tuple(end.date() for end in ends), active, met)


def render_chart(series: ChartSeries) -> bytes:
    """A PNG that reads at phone width: two panels (pairs, check-ins) with their own axes, large type, no legend."""
    weeks = len(series.week_ends)
    x = list(range(weeks))
    with pyplot.rc_context({"font.size": 15, "axes.titlesize": 17, "axes.titleweight": "bold"}):
        figure, (pairs_axis, met_axis) = pyplot.subplots(2, 1, figsize=(6, 5.4), dpi=100, sharex=True)
        pairs_axis.plot(x, series.active, color="#2c5f5d", linewidth=3, marker="o" if weeks <= 8 else None)
        pairs_axis.set_title("Active pairs", loc="left")
        met_axis.bar(x, series.met, width=0.7, color="#e0a458")
        met_axis.set_title("Check-ins met each week", loc="left")
        for axis in (pairs_axis, met_axis):
            axis.grid(axis="y", alpha=0.3)
            axis.spines[["top", "right"]].set_visible(False)
            axis.yaxis.get_major_locator().set_params(integer=True)
            axis.set_ylim(bottom=0)
        step = max(1, weeks // 4)
        met_axis.set_xticks(x[::step], [end.strftime("%-d %b") for end in series.week_ends[::step]])
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        pyplot.close(figure)
    return buffer.getvalue()


def program_chart(session: Session, program_id: int, now: datetime) -> bytes | None:
    """The program's chart as a PNG, or None before the first pair starts."""
    series = chart_series(session, program_id, now)
    return None if series is None else render_chart(series)


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _profile_record(person: Person) -> dict[str, Any]:
    return {
        "role": person.role,
        "expertise": person.expertise,
        "goals": person.goals,
        "seniority": person.seniority,
        "capacity": person.capacity,
        "timezone": person.timezone,
        "working_hours": [person.work_start_minute, person.work_end_minute],
        "cadence": person.cadence,
        "meeting_channel": person.meeting_channel,
        "learning_style": person.learning_style,
        "languages": person.languages,
        "department": person.department,
        "do_not_match": person.do_not_match,
        "status": person.status,
        "joined": _stamp(person.created_at),
    }


def _relationships(session: Session, mine: list[int], pairs: list[Pair]) -> dict[str, Any]:
    """The person's pairs, the requests they sent and the goals of their pairs."""
    return {
        "pairs": [
            {
                "id": p.id,
                "role": "mentor" if p.mentor_id in mine else "mentee",
                "status": p.status,
                "started": _stamp(p.started_at),
                "ended": _stamp(p.ended_at),
            }
            for p in pairs
        ],
        "requests_sent": [
            {"to_person": r.mentor_id, "message": r.message, "status": r.status, "sent": _stamp(r.created_at)}
            for r in session.scalars(select(MatchRequest).where(MatchRequest.mentee_id.in_(mine)))
        ],
        "goals": [
            {
                "title": g.title,
                "outcome": g.outcome,
                "due": g.due_on.isoformat(),
                "progress": g.progress,
                "status": g.status,
            }
            for g in session.scalars(select(Goal).where(Goal.pair_id.in_([p.id for p in pairs])))
        ],
    }


def _own_words(session: Session, team_id: str, user_id: str, pair_ids: list[int]) -> dict[str, Any]:
    """What the person said in confidence: notes, evaluations, fit checks, thanks, help requests."""
    mine = (Evaluation.user_id == user_id, Evaluation.team_id == team_id)
    return {
        "checkin_notes": [
            c.notes[user_id]
            for c in session.scalars(select(CheckIn).where(CheckIn.pair_id.in_(pair_ids)))
            if user_id in c.notes
        ],
        "evaluations": [
            {
                "milestone": e.milestone,
                "ratings": e.ratings,
                "nps": e.nps,
                "worked": e.worked,
                "change": e.change,
                "shared": e.shared,
            }
            for e in session.scalars(select(Evaluation).where(*mine))
        ],
        "fit_checks": [
            f.answer
            for f in session.scalars(select(FitCheck).where(FitCheck.user_id == user_id, FitCheck.team_id == team_id))
        ],
        "thanks_sent": [
            t.message
            for t in session.scalars(select(Thanks).where(Thanks.from_user == user_id, Thanks.team_id == team_id))
        ],
        "help_requests": [
            {"reason": h.reason, "details": h.details}
            for h in session.scalars(
                select(HelpRequest).where(HelpRequest.user_id == user_id, HelpRequest.team_id == team_id)
            )
        ],
    }


def my_data(session: Session, team_id: str, user_id: str) -> dict[str, Any]:
    """Everything Mentorbot stores about one person, as they'd want to read it."""
    people = list(
        session.scalars(
            select(Person).where(Person.team_id == team_id, Person.slack_user_id == user_id).order_by(Person.id)
        )
    )
    if not people:
        return {"profile": None}
    person = people[0]
    mine = [p.id for p in people]
    pairs = list(session.scalars(select(Pair).where(or_(Pair.mentor_id.in_(mine), Pair.mentee_id.in_(mine)))))
    names = dict(session.execute(select(Program.id, Program.name).where(Program.team_id == team_id)).all())
    calendar = session.scalars(
        select(CalendarConnection.provider).where(
            CalendarConnection.team_id == team_id, CalendarConnection.user_id == user_id
        )
    ).first()
    return {
        "profile": _profile_record(person),
        "programs": [
            {
                "program": names.get(p.program_id, ""),
                "role": p.role,
                "expertise": p.expertise,
                "goals": p.goals,
                "capacity": p.capacity,
                "answers": p.answers,
                "mentors_wanted": p.mentors_wanted,
                "mentor_kinds_wanted": p.mentor_kinds_wanted,
                "status": p.status,
                "joined": _stamp(p.created_at),
            }
            for p in people
        ],
        "calendar": str(calendar) if calendar else None,
        **_relationships(session, mine, pairs),
        **_own_words(session, team_id, user_id, [p.id for p in pairs]),
    }


def my_data_json(session: Session, team_id: str, user_id: str) -> bytes:
    return json.dumps(my_data(session, team_id, user_id), indent=2, ensure_ascii=False, default=str).encode()
