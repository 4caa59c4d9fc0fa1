"""Files for admins and for each person: the program CSV, the program chart, and "my data" as JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
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


def program_csv(session: Session, team_id: str) -> bytes:
    """One row per pair: who, when, how it went in counts. No free text, no do-not-match lists, and no end reason:
    the end modal promises that admins see reasons only as counts (in the report), never against a pair."""
    people = dict(session.execute(select(Person.id, Person.slack_user_id).where(Person.team_id == team_id)).all())
    met = dict(
        session.execute(
            select(CheckIn.pair_id, func.count())
            .where(CheckIn.team_id == team_id, CheckIn.status == CheckInStatus.MET)
            .group_by(CheckIn.pair_id)
        ).all()
    )
    checkins = dict(
        session.execute(
            select(CheckIn.pair_id, func.count()).where(CheckIn.team_id == team_id).group_by(CheckIn.pair_id)
        ).all()
    )
    done = dict(
        session.execute(
            select(Goal.pair_id, func.count())
            .where(Goal.team_id == team_id, Goal.status == GoalStatus.COMPLETED)
            .group_by(Goal.pair_id)
        ).all()
    )
    goals = dict(
        session.execute(select(Goal.pair_id, func.count()).where(Goal.team_id == team_id).group_by(Goal.pair_id)).all()
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for pair in session.scalars(select(Pair).where(Pair.team_id == team_id).order_by(Pair.id)):
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


def program_chart(session: Session, team_id: str, now: datetime, weeks: int = 26) -> bytes:
    """A PNG of active pairs and check-ins met per week over the last `weeks` weeks."""
    pairs = list(
        session.execute(
            select(Pair.started_at, Pair.ended_at).where(Pair.team_id == team_id, Pair.started_at.is_not(None))
        )
    )
    met_times = list(
        session.scalars(
            select(CheckIn.answered_at).where(CheckIn.team_id == team_id, CheckIn.status == CheckInStatus.MET)
        )
    )
    week_ends = [now - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    active = [sum(1 for s, e in pairs if s is not None and s <= end and (e is None or e > end)) for end in week_ends]
    met = [sum(1 for t in met_times if t is not None and end - timedelta(weeks=1) < t <= end) for end in week_ends]
    figure, axis = pyplot.subplots(figsize=(8, 3.5), dpi=100)
    x = list(range(weeks))
    axis.plot(x, active, label="active pairs", color="#2c5f5d", linewidth=2)
    axis.bar(x, met, width=0.6, label="check-ins met that week", color="#e0a458")
    axis.set_title("Mentoring program, last six months")
    axis.legend(loc="upper left")
    axis.grid(alpha=0.3)
    axis.set_xticks(x[::4], [end.strftime("%d %b") for end in week_ends[::4]])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    pyplot.close(figure)
    return buffer.getvalue()


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def my_data(session: Session, team_id: str, user_id: str) -> dict[str, Any]:
    """Everything Mentorbot stores about one person, as they'd want to read it."""
    person = session.scalars(select(Person).where(Person.team_id == team_id, Person.slack_user_id == user_id)).first()
    if person is None:
        return {"profile": None}
    pairs = list(session.scalars(select(Pair).where(or_(Pair.mentor_id == person.id, Pair.mentee_id == person.id))))
    pair_ids = [p.id for p in pairs]
    return {
        "profile": {
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
        },
        "pairs": [
            {
                "id": p.id,
                "role": "mentor" if p.mentor_id == person.id else "mentee",
                "status": p.status,
                "started": _stamp(p.started_at),
                "ended": _stamp(p.ended_at),
            }
            for p in pairs
        ],
        "requests_sent": [
            {"to_person": r.mentor_id, "message": r.message, "status": r.status, "sent": _stamp(r.created_at)}
            for r in session.scalars(select(MatchRequest).where(MatchRequest.mentee_id == person.id))
        ],
        "goals": [
            {
                "title": g.title,
                "outcome": g.outcome,
                "due": g.due_on.isoformat(),
                "progress": g.progress,
                "status": g.status,
            }
            for g in session.scalars(select(Goal).where(Goal.pair_id.in_(pair_ids)))
        ],
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
            for e in session.scalars(
                select(Evaluation).where(Evaluation.user_id == user_id, Evaluation.team_id == team_id)
            )
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


def my_data_json(session: Session, team_id: str, user_id: str) -> bytes:
    return json.dumps(my_data(session, team_id, user_id), indent=2, ensure_ascii=False, default=str).encode()
