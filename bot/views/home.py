"""App Home and `/mentor status`: the person's pairs, agreements, goals, open requests and profile."""

from __future__ import annotations

from bot.dashboard import Dashboard, PairSummary
from bot.report import OverviewLine, Report
from bot.text import escape
from bot.views.agreement import AGREEMENT_OPEN, terms_text
from bot.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    header,
    home,
    image,
    section,
    slack_date,
)
from bot.views.celebrate import HELP_OPEN
from bot.views.closing import PAIR_END_OPEN
from bot.views.find import REQUEST_ACCEPT, REQUEST_DECLINE, REQUEST_WITHDRAW
from bot.views.goals import GOAL_OPEN, progress_bar
from bot.views.group_life import group_blocks
from bot.views.join import JOIN_OPEN, ROLE_LABELS, profile_fields
from bot.views.report import overview_message, report_blocks

ROLE_NAMES = {role: label.lower() for role, label in ROLE_LABELS.items()}
HELP_HINT = "Type `/mentor help` anywhere to see everything I can do."


def _pair_blocks(summary: PairSummary, several: bool) -> list[Block]:
    pair = summary.pair
    role = f"You mentor <@{pair.mentee_user_id}>" if summary.is_mentor else f"<@{pair.mentor_user_id}> mentors you"
    since = f" since {slack_date(pair.started_at)}" if pair.started_at else ""
    program = f"{escape(pair.program)} · " if several and pair.program else ""
    lines = [f"{program}*{role}*{since}"]
    if pair.next_checkin_at:
        lines.append(f"Next check-in: around {slack_date(pair.next_checkin_at)}")
    if summary.agreement:
        lines.append(f"*Agreement*\n{terms_text(summary.agreement)}")
    elif summary.proposal:
        lines.append(f"Agreement proposed by <@{summary.proposal.proposed_by}>, waiting for confirmation.")
    else:
        lines.append("No working agreement yet: agree how often and how you'll meet.")
    if summary.goals:
        goal_lines = [
            f"{'✅' if g.status == 'completed' else '🎯'} {escape(g.title)}  {progress_bar(g.progress)}  "
            f"· due {g.due_on:%d %b %Y}"
            for g in summary.goals
        ]
        lines.append("*Goals*\n" + "\n".join(goal_lines))
    else:
        lines.append("No goals yet.")
    value = str(pair.id)
    buttons = [
        button("Add a goal", GOAL_OPEN, value=value),
        button("Change agreement" if summary.agreement else "Set up our agreement", AGREEMENT_OPEN, value=value),
        button("I need help", HELP_OPEN, value=value),
        button("End the pair", PAIR_END_OPEN, value=value),
    ]
    return [section("\n".join(lines)), actions(*buttons)]


def _joinable_blocks(board: Dashboard) -> list[Block]:
    blocks: list[Block] = []
    for program in board.joinable:
        purpose = f"\n{escape(program.purpose)}" if program.purpose else ""
        closes = program.dates.signup_closes_at
        until = f"\nSign-up closes {slack_date(closes)}." if closes else ""
        blocks.append(section(f"*{escape(program.name)}*{purpose}{until}"))
        blocks.append(actions(button(f"Join {program.name}"[:75], JOIN_OPEN, value=str(program.id))))
    return blocks


def _memberships_text(board: Dashboard) -> str:
    lines = [
        f"• *{escape(m.program.name)}*: {ROLE_NAMES[m.role]}{'' if m.status == 'active' else ' (paused)'}"
        for m in board.memberships
    ]
    return "*Your programs*\n" + "\n".join(lines)


def dashboard_blocks(board: Dashboard) -> list[Block]:
    if board.profile is None:
        welcome: list[Block] = [
            section(
                "Mentorbot pairs mentors and mentees in this workspace, helps you agree how to work together, "
                "and keeps the conversation going with gentle check-ins."
            ),
            section("Joining takes two minutes: tell us what you can help with or want to grow in."),
        ]
        if board.joinable:
            return [*welcome, section("*Programs you can join*"), *_joinable_blocks(board), context(HELP_HINT)]
        return [*welcome, actions(button("Join the program", JOIN_OPEN, style="primary")), context(HELP_HINT)]
    blocks: list[Block] = []
    several = len(board.memberships) > 1
    if board.profile.pending:
        blocks.append(section("Your request to join is with the program's admins. I'll tell you when you're in."))
    elif not board.profile.active:
        blocks.append(
            section(
                "You're paused: nobody will be matched with you. Your profile is kept, so coming back is one click."
            )
        )
        blocks.append(actions(button("Come back", JOIN_OPEN, style="primary")))
    for summary in board.pairs:
        blocks += [*_pair_blocks(summary, several), divider()]
    for group in board.groups:
        blocks += [*group_blocks(group, board.profile.user_id), divider()]
    for request in board.requests_to_me:
        blocks.append(
            section(
                f"<@{request.mentee_user_id}> asked you to mentor them. "
                f"Please answer by {slack_date(request.expires_at)}."
            )
        )
        blocks.append(
            actions(
                button("Accept", REQUEST_ACCEPT, value=str(request.id), style="primary"),
                button("Decline", REQUEST_DECLINE, value=str(request.id)),
            )
        )
    for request in board.requests_from_me:
        blocks.append(
            section(f"Your request to <@{request.mentor_user_id}> is waiting until {slack_date(request.expires_at)}.")
        )
        blocks.append(actions(button("Withdraw request", REQUEST_WITHDRAW, value=str(request.id))))
    details = board.profile.details
    if not board.pairs and not board.requests_from_me and details.role and details.role.seeks_mentor:
        blocks.append(section("Looking for a mentor? Run `/mentor find` to see who fits you best."))
    for program, have, wanted in board.more_mentors:
        name = f" in *{escape(program.name)}*" if several else ""
        blocks.append(
            section(
                f"You have {have} of the {wanted} mentors you asked for{name}. Run `/mentor find {program.slug}` "
                "to look for the next one."
            )
        )
    if several:
        blocks.append(section(_memberships_text(board)))
    blocks += [section("*Your profile*"), profile_fields(board.profile), actions(button("Edit profile", JOIN_OPEN))]
    if board.joinable:
        blocks += [divider(), section("*More programs you can join*"), *_joinable_blocks(board)]
    blocks.append(context(HELP_HINT))
    return blocks


CHART_ALT = "Two charts over the recent weeks: the number of active pairs, and check-ins met each week."


def home_view(
    board: Dashboard,
    report: Report | None = None,
    chart_file: str | None = None,
    overview: list[OverviewLine] | None = None,
) -> Block:
    """The person's App Home; program admins also see their programs at a glance, the health report and, once
    there is data, the chart."""
    title = "Welcome to Mentorbot" if board.profile is None else "Your mentoring"
    admin = [divider(), *overview_message(overview).blocks] if overview else []
    admin += [divider(), *report_blocks(report)] if report is not None else []
    if report is not None and chart_file:
        admin.append(image(chart_file, CHART_ALT, "Program over time"))
    return home([header(title), *dashboard_blocks(board), *admin])


def status_message(board: Dashboard) -> Message:
    return Message(text="Your mentoring at a glance", blocks=dashboard_blocks(board))
