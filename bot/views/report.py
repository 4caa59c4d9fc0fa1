"""The admin report, built to be read at a glance on a phone: headline figures first, then what there is to show.

Aggregates only: hidden figures are left out and one line says when they appear; free text never appears.
"""

from __future__ import annotations

from bot.closing import END_REASONS
from bot.group_life import GroupFigures
from bot.pairs import PairView
from bot.report import MILESTONES, Funnel, OverviewLine, QuestionRow, Report
from bot.text import escape
from bot.views.blocks import Block, Message, actions, button, context, header, section, slack_date

REPORT_AT_RISK = "report.at_risk"
REPORT_NOT_MET = "report.not_met"

# The evaluation questions, as short as a phone line allows (the form asks them in full).
SHORT_QUESTIONS = {
    "career": "Career",
    "support": "Personal support",
    "role_model": "Role model",
    "progress": "Progress on goals",
    "overall": "Worth the time",
}
MILESTONE_NAMES = {"day30": "day 30", "day60": "day 60", "day90": "day 90", "final": "end"}


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"*{n}* {one if n == 1 else (many or one + 's')}"


def _headline(report: Report) -> Block:
    return section(
        f"{_count(report.active_pairs, 'active pair')} · {_count(report.at_risk_pairs, 'at risk', 'at risk')}\n"
        f"{_count(report.met_recently, 'pair', 'pairs')} met in the last 30 days · "
        f"*{report.goals_completed}* of {report.goals_total} goals done"
    )


def _activity(report: Report) -> str:
    lines = []
    requests = report.requests
    total = sum(requests.values())
    if total:
        hours = report.median_response_hours
        wait = "" if hours is None else f", first answers {_within(hours)} (median)"
        lines.append(
            f"*Requests* {total}: {requests.get('accepted', 0)} accepted, {requests.get('declined', 0)} declined, "
            f"{requests.get('expired', 0)} expired{wait}"
        )
    if report.checkin_rate is not None:
        lines.append(f"*Check-ins* {round(report.checkin_rate * 100)}% met, of {report.checkins_closed}")
    lines.append(f"*Waiting to confirm* {report.proposed_pairs} · *Ended* {report.ended_pairs}")
    return "\n".join(lines)


def _within(hours: float) -> str:
    if hours < 1:
        return "within the hour"
    return f"in {hours:g} h" if hours < 48 else f"in {hours / 24:.0f} days"


def _average_line(row: QuestionRow) -> str:
    by_day = [
        f"{MILESTONE_NAMES[m]} {row.by_milestone[m]:g}" for m in MILESTONES if row.by_milestone.get(m) is not None
    ]
    days = f" ({', '.join(by_day)})" if by_day else ""
    return f"• {SHORT_QUESTIONS.get(row.key, row.question)}: *{row.overall:g}*{days}"


def _evaluations(report: Report) -> list[Block]:
    n, threshold = report.evaluations_answered, report.threshold
    if not report.averages_shown:
        so_far = "No evaluations yet" if n == 0 else f"{n} evaluation{'s' if n != 1 else ''} so far"
        return [context(f"{so_far}; averages appear from {threshold}.")]
    lines = [_average_line(row) for row in report.evaluations if row.overall is not None]
    if report.nps is not None:
        lines.append(f"• Would recommend it (NPS): *{report.nps:g}*")
    blocks = [section("*Evaluations* (average of 1–5)\n" + "\n".join(lines))]
    some_hidden = any(value is None for row in report.evaluations for value in row.by_milestone.values()) or any(
        row.overall is None and row.respondents for row in report.evaluations
    )
    if some_hidden:
        blocks.append(context(f"Days with fewer than {threshold} answers are left out until they have {threshold}."))
    return blocks


def _feedback(report: Report) -> str:
    lines = []
    if report.fit is not None:
        fit = report.fit
        lines.append(f"*Fit checks* {fit['good']} good, {fit['deciding']} still deciding, {fit['not_good']} not a fit")
    if report.end_reasons:
        reasons = ", ".join(f"{n} {END_REASONS[reason].lower()}" for reason, n in report.end_reasons.items())
        lines.append(f"*Why pairs ended* {reasons}")
    return "\n".join(lines)


FUNNEL_NAMES = {
    "intro": "Intros",
    "scheduled": "First meeting set",
    "held": "First meeting held",
    "goal": "First goal set",
    "day30": "Day-30 evaluation",
}


def _days(days: float) -> str:
    return f"{days:g} day" if days == 1 else f"{days:g} days"


def funnel_text(funnel: Funnel, threshold: int) -> str:
    """Intro to day 30, one short line a step, with the median wait from the step before."""
    lines = ["*From intro to first meeting*"]
    for step in funnel.steps:
        count = f"*{step.pairs}*" if step.pairs is not None else f"fewer than {threshold}"
        wait = f" ({_days(step.median_days)}, median)" if step.median_days is not None else ""
        lines.append(f"• {FUNNEL_NAMES.get(step.key, step.key)}: {count}{wait}")
    if funnel.met_within_14_days is not None:
        lines.append(f"*{round(funnel.met_within_14_days * 100)}%* met within 14 days of their intro")
    return "\n".join(lines)


def report_blocks(report: Report) -> list[Block]:
    title = f"Program health · {report.program}" if report.program else "Program health"
    pairs = report.active_pairs + report.ended_pairs + report.proposed_pairs
    only_groups = report.groups is not None and not pairs
    blocks: list[Block] = [header(title[:150])] + ([] if only_groups else [_headline(report)])
    if report.at_risk_pairs:
        label = "See the pair at risk" if report.at_risk_pairs == 1 else f"See the {report.at_risk_pairs} pairs at risk"
        blocks.append(actions(button(label, REPORT_AT_RISK, str(report.program_id), style="primary")))
    if report.not_met_pairs:
        n = report.not_met_pairs
        blocks.append(
            section(f"{_count(n, 'pair')} {'has' if n == 1 else 'have'} not set a first meeting after the nudge.")
        )
        blocks.append(actions(button("See who hasn't met", REPORT_NOT_MET, str(report.program_id))))
    if report.groups is not None:
        blocks.append(section(groups_text(report.groups)))
    if not only_groups:
        blocks.append(section(_activity(report)))
    blocks += _evaluations(report)
    feedback = _feedback(report)
    if feedback:
        blocks.append(section(feedback))
    if report.funnel is not None and report.active_pairs + report.ended_pairs:
        blocks.append(section(funnel_text(report.funnel, report.threshold)))
    blocks.append(
        context(
            f"Figures from fewer than {report.threshold} people are hidden, with enough others that they can't be "
            "worked out. Free-text answers never appear here."
        )
    )
    return blocks


def groups_text(groups: GroupFigures) -> str:
    """Groups and circles: counts always; attendance and ratings only over enough people."""
    lines = [
        f"*Groups*: {_count(groups.active, 'active group')} with {_count(groups.members, 'member')}, "
        f"{groups.ended} ended"
    ]
    lines.append(
        f"Attendance at meetings: {groups.attendance:.0%}"
        if groups.attendance is not None
        else "Attendance: hidden until enough people have answered check-ins"
    )
    if groups.rating is not None:
        lines.append(f"Final rating: {groups.rating:.1f} of 5")
    for group in groups.at_risk:
        lines.append(f"• At risk (attendance has dropped): {', '.join(f'<@{m}>' for m in group.members)}")
    return "\n".join(lines)


def report_message(report: Report) -> Message:
    groups = report.groups
    summary = (
        f"{groups.active} active groups, {len(groups.at_risk)} at risk"
        if groups is not None and not report.active_pairs
        else f"{report.active_pairs} active pairs, {report.at_risk_pairs} at risk"
    )
    return Message(
        text=f"{report.program or 'Program'} health: {summary}",
        blocks=report_blocks(report),
    )


FORMED = {"group": "active group", "circle": "active circle"}
FORMAT_NAMES = {"one_to_one": "1:1", "group": "group mentoring", "circle": "peer circles"}
STAGE_NAMES = {
    "planned": "sign-up not open yet",
    "signup_open": "sign-up open",
    "closing_reminded": "sign-up closing",
    "signup_closed": "sign-up closed",
    "matching_day": "matching",
    "started": "running",
    "ended": "ended",
}


def overview_line(line: OverviewLine) -> str:
    state = "closed" if line.closed else STAGE_NAMES.get(line.stage, "open")
    risk = f" · *{line.at_risk_pairs}* at risk" if line.at_risk_pairs else ""
    size = f" of up to {line.group_size} mentees" if line.format == "group" else ""
    return (
        f"*{escape(line.name)}* (`{line.slug}`, {FORMAT_NAMES.get(line.format, line.format)}{size}, {state})\n"
        f"{_count(line.members, 'member')} · {_count(line.active_pairs, FORMED.get(line.format, 'active pair'))}{risk}"
    )


def overview_message(lines: list[OverviewLine]) -> Message:
    """The workspace at a glance: one short entry per program, and how to see one in full."""
    blocks: list[Block] = [header("Programs at a glance")]
    blocks += [section(overview_line(line)) for line in lines]
    blocks.append(context(f"For one program in full: `/mentor admin report <name>`, e.g. `{lines[0].slug}`."))
    return Message(text=f"{len(lines)} programs at a glance", blocks=blocks)


def not_met_message(pairs: list[PairView]) -> Message:
    """For admins: pairs that have not set a first meeting, each with how long ago they started."""
    rows = "\n".join(
        f"• <@{p.mentee_user_id}> with <@{p.mentor_user_id}>, since {slack_date(p.started_at)}"
        for p in pairs
        if p.started_at is not None
    )
    text = f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''} {'has' if len(pairs) == 1 else 'have'} not met yet"
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n{rows}" if rows else f"*{text}*"),
            context("Each got one gentle nudge to pick a time. A short hello from you often gets them going."),
        ],
    )
