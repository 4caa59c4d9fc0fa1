"""The admin report: aggregates only, with hidden figures marked so, and never any free text."""

from __future__ import annotations

from bot.report import MILESTONES, Report
from bot.views.blocks import Block, Message, context, fields, header, section

HIDDEN = "hidden (too few answers)"


def _value(value: float | None) -> str:
    return HIDDEN if value is None else f"{value:g}"


def _by_milestone(values: dict[str, float | None], milestone: str) -> str:
    return _value(values[milestone]) if milestone in values else "—"


def report_blocks(report: Report) -> list[Block]:
    requests = report.requests
    total_requests = sum(requests.values())
    rate = "—" if report.checkin_rate is None else f"{round(report.checkin_rate * 100)}% met"
    wait = "—" if report.median_response_hours is None else f"{report.median_response_hours:g} h median"
    blocks: list[Block] = [
        header("Program health"),
        fields(
            f"*Active pairs*\n{report.active_pairs}",
            f"*At risk*\n{report.at_risk_pairs}",
            f"*Awaiting confirmation*\n{report.proposed_pairs}",
            f"*Ended*\n{report.ended_pairs}",
            f"*Requests*\n{total_requests} ({requests.get('accepted', 0)} accepted, "
            f"{requests.get('declined', 0)} declined, {requests.get('expired', 0)} expired)",
            f"*Time to first response*\n{wait}",
            f"*Check-ins*\n{rate} of {report.checkins_closed}",
            f"*Goals completed*\n{report.goals_completed} of {report.goals_total}",
        ),
    ]
    lines = []
    for row in report.evaluations:
        by_time = ", ".join(
            f"{m.removeprefix('day') if m != 'final' else 'end'}: {_by_milestone(row.by_milestone, m)}"
            for m in MILESTONES
        )
        average = "—" if row.respondents == 0 else _value(row.overall)
        lines.append(f"• {row.question}: *{average}*/5 ({by_time})")
    blocks.append(section("*Evaluations* (average of 1–5; by day 30 / 60 / 90 / end)\n" + "\n".join(lines)))
    fit = HIDDEN
    if report.fit is not None:
        counts = report.fit
        fit = f"{counts['good']} good fit, {counts['deciding']} still deciding, {counts['not_good']} not a fit"
    blocks.append(fields(f"*Program NPS*\n{_value(report.nps)}", f"*Fit checks*\n{fit}"))
    blocks.append(
        context(
            f"Figures from fewer than {report.threshold} people are hidden, together with enough others that they "
            "can't be worked out. Free-text answers never appear in reports."
        )
    )
    return blocks


def report_message(report: Report) -> Message:
    return Message(text="Program health report", blocks=report_blocks(report))
