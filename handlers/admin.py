"""Program admin commands: `/mentor admin program | match | report | chart | export | weights | threshold
[program]`, the new-program form, the round's Publish / Discard, both sides' answers to a proposed pair, and
the at-risk list. Each command acts on one program the admin manages: the one named, or their only one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from sqlalchemy.orm import Session

from bot.circle_rounds import FORMATS, discard_circle_round, preview_circles, publish_circles, start_circles
from bot.cohorts import clone_cohort, members_to_ask
from bot.conversations import start_conversation
from bot.dm_channels import upload_to_dm
from bot.errors import InvalidInput, NoLongerOpen, NotYours, ProgramInUse
from bot.exports import program_chart, program_csv
from bot.health import at_risk_now
from bot.outbox import enqueue
from bot.pairs import PairView, view_of
from bot.programs import (
    ProgramView,
    choose,
    close_program,
    create_program,
    delete_program,
    extend_cohort,
    named_by,
    programs_of,
    set_anonymity_threshold,
    set_match_weights,
    view_of_program,
)
from bot.publishing import confirm_proposal, decline_proposal, publish
from bot.report import not_met_yet, program_report, workspace_overview
from bot.requests import matching_rules, parse_weights
from bot.rounds import discard_round, preview_round, program_of_round
from bot.services import Services
from bot.sheet_imports import confirm_uploaded, preview_uploaded, show_columns
from bot.views.admin import (
    CHART_FILE,
    EXPORT_FILE,
    PrivateFile,
    match_not_yours_message,
    nothing_to_chart_message,
    round_settled_message,
    threshold_set_message,
    threshold_usage_message,
)
from bot.views.blocks import Message
from bot.views.circles import (
    CIRCLES_DISCARD,
    CIRCLES_PUBLISH,
    GroupLine,
    circle_preview_message,
    circles_discarded_message,
    circles_published_message,
)
from bot.views.find import closed_request_message
from bot.views.health import admins_at_risk
from bot.views.imports import (
    FILE as IMPORT_FILE,
)
from bot.views.imports import (
    IMPORT_CANCEL,
    IMPORT_COLUMNS,
    IMPORT_COLUMNS_SUBMIT,
    IMPORT_CONFIRM,
    IMPORT_SUBMIT,
    cancelled_message,
    columns_loading_modal,
    columns_notice_modal,
    import_modal,
    no_file_error,
    read_columns_form,
    read_import_form,
    read_import_value,
)
from bot.views.programs import (
    NAME,
    PROGRAM_SUBMIT,
    cloned_message,
    closed_message,
    continue_invitation,
    created_message,
    deleted_message,
    extended_message,
    in_use_message,
    manages_only_message,
    new_program_modal,
    program_closed_for_member,
    program_closed_message,
    program_help_message,
    program_refused_message,
    read_program_form,
    which_program_message,
    workspace_only_message,
)
from bot.views.report import REPORT_AT_RISK, REPORT_NOT_MET, not_met_message, overview_message, report_message
from bot.views.rounds import (
    PAIR_CONFIRM,
    PAIR_DECLINE,
    ROUND_DISCARD,
    ROUND_PUBLISH,
    admin_help_message,
    declined_by_you_message,
    discarded_message,
    not_admin_message,
    preview_message,
    published_message,
    started_message,
    waiting_for_partner_message,
    weights_message,
)
from handlers.actor import Actor, action_value, click_of, form_id, form_refused, raw_action_value
from handlers.routing import Invocation, MentorCommand, Routes
from storage.models import Pair, PairStatus, ProgramFormat

log = logging.getLogger(__name__)
Answer = Callable[[Services, str, str, int, datetime], PairView]


def share_privately(call: Invocation, file: PrivateFile, data: bytes) -> None:
    upload_to_dm(
        call.actor.services.db, call.client, call.team_id, call.user_id, file.name, data, file.title, file.comment
    )
    call.respond(**file.shared_message().as_kwargs())


def change_weights(call: Invocation, program: ProgramView, words: list[str]) -> None:
    changes, problem = parse_weights(words)
    with call.actor.unit_of_work() as session:
        if changes:
            set_match_weights(session, program.id, changes)
        weights = matching_rules(session, program.id).weights
    call.respond(**weights_message(weights, problem, program.name).as_kwargs())


def change_threshold(call: Invocation, program: ProgramView, words: list[str]) -> None:
    if len(words) != 1 or not words[0].isdigit():
        call.respond(**threshold_usage_message().as_kwargs())
        return
    with call.actor.unit_of_work() as session:
        value = set_anonymity_threshold(session, program.id, int(words[0]))
    call.respond(**threshold_set_message(value).as_kwargs())


def share_chart(call: Invocation, program: ProgramView, words: list[str]) -> None:
    with call.actor.reading() as session:
        chart = program_chart(session, program.id, call.actor.now())
    if chart is None:
        call.respond(**nothing_to_chart_message().as_kwargs())
        return
    share_privately(call, CHART_FILE, chart)


def share_export(call: Invocation, program: ProgramView, words: list[str]) -> None:
    with call.actor.reading() as session:
        table = program_csv(session, program.id)
    share_privately(call, EXPORT_FILE, table)


def show_report(call: Invocation, program: ProgramView, words: list[str]) -> None:
    with call.actor.unit_of_work() as session:
        report = program_report(session, program.id, call.actor.now())
    call.respond(**report_message(report).as_kwargs())


def preview_match(call: Invocation, program: ProgramView, words: list[str]) -> None:
    if program.format in FORMATS:
        preview_circle_round(call, program)
        return
    with call.actor.unit_of_work() as session:
        preview = preview_round(session, call.team_id, program.id, call.user_id, call.actor.now())
    call.respond(**preview_message(preview).as_kwargs())


def preview_circle_round(call: Invocation, program: ProgramView) -> None:
    with call.actor.unit_of_work() as session:
        preview = preview_circles(session, call.team_id, program.id, call.user_id, call.actor.now())
    circles = [GroupLine(c.user_ids, c.sentence, c.mentor_user_id) for c in preview.circles]
    message = circle_preview_message(
        preview.round_id, preview.program, circles, preview.unplaced, preview.min_size, preview.mentoring
    )
    call.respond(**message.as_kwargs())


def open_import(call: Invocation, programs: list[ProgramView], words: list[str]) -> None:
    open_programs = [p for p in programs if not p.closed]
    named = named_by(programs, words[0]) if words else None
    if not open_programs or (named is not None and named.closed):
        call.respond(**program_closed_message(named.name if named else "Every program").as_kwargs())
        return
    choice = choose(open_programs, words)
    call.client.views_open(trigger_id=call.trigger_id, view=import_modal(open_programs, choice.program))


def preview_import(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, actor: Actor) -> None:
    file_id, program_id = read_import_form(view.get("state", {}).get("values", {}), form_id(view))
    if not file_id:
        ack(response_action="errors", errors={IMPORT_FILE: no_file_error()})
        return
    if not actor.manages(program_id):
        ack(response_action="errors", errors={IMPORT_FILE: not_admin_message("import").text})
        return
    ack()
    click = replace(click_of(body, context), value=program_id)
    actor.after_ack(partial(click.answer, actor.services), None, preview_uploaded, click, file_id, {})


def confirm_import(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext, actor: Actor) -> None:
    ack()
    program_id, file_id, choices = read_import_value(raw_action_value(body))
    if not actor.manages(program_id):
        respond(replace_original=False, **not_admin_message("import").as_kwargs())
        return
    click = replace(click_of(body, context), value=program_id)
    actor.after_ack(partial(click.answer, actor.services), None, confirm_uploaded, click, file_id, choices)


def change_columns(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext, actor: Actor) -> None:
    """Open the columns form at once (Slack's trigger lasts 3 s), saying the sheet is being read; a worker reads it
    and puts the menus in."""
    ack()
    program_id, file_id, choices = read_import_value(raw_action_value(body))
    if not actor.manages(program_id):
        respond(replace_original=False, **not_admin_message("import").as_kwargs())
        return
    opened = actor.client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=columns_loading_modal())
    click = replace(click_of(body, context), value=program_id)
    view_id = str(opened["view"]["id"])
    tell = partial(notice_in_modal, actor, view_id)
    actor.after_ack(tell, None, show_columns, click, file_id, choices, view_id)


def notice_in_modal(actor: Actor, view_id: str, message: Message) -> None:
    """Put `message` where the columns form would have come (when the workers are too busy to read the sheet)."""
    actor.client.views_update(view_id=view_id, view=columns_notice_modal(message))


def preview_columns(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, actor: Actor) -> None:
    form, problems = read_columns_form(view)
    if form_refused(ack, problems):
        return
    ack()
    if not actor.manages(form.program_id):
        actor.dm(not_admin_message("import"))
        return
    click = replace(click_of(body, context), value=form.program_id)
    actor.after_ack(partial(click.answer, actor.services), None, preview_uploaded, click, form.file_id, form.choices)


def cancel_import(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **cancelled_message().as_kwargs())


def show_overview(call: Invocation, programs: list[ProgramView]) -> None:
    with call.actor.reading() as session:
        lines = workspace_overview(session, [p.id for p in programs])
    call.respond(**overview_message(lines).as_kwargs())


def new_program(call: Invocation, programs: list[ProgramView], words: list[str]) -> None:
    if not call.actor.manages_workspace():
        call.respond(**workspace_only_message().as_kwargs())
        return
    call.client.views_open(trigger_id=call.trigger_id, view=new_program_modal())


def list_programs(call: Invocation, programs: list[ProgramView], words: list[str]) -> None:
    show_overview(call, programs)


def close_named_program(call: Invocation, program: ProgramView, words: list[str]) -> None:
    now = call.actor.now()
    with call.actor.unit_of_work() as session:
        ended = close_program(session, call.team_id, program.id, now)
        for pair in ended:
            view = view_of(session, pair)
            for member in (view.mentor_user_id, view.mentee_user_id):
                key = f"program:{program.id}:closed:{pair.id}:{member}"
                enqueue(session, call.team_id, key, program_closed_for_member(program.name), now, user_id=member)
    call.respond(**closed_message(program.name, len(ended)).as_kwargs())
    call.actor.send_queued()


def delete_named_program(call: Invocation, program: ProgramView, words: list[str]) -> None:
    try:
        with call.actor.unit_of_work() as session:
            name = delete_program(session, call.team_id, program.id)
    except ProgramInUse as in_use:
        call.respond(**in_use_message(program.name, in_use.live).as_kwargs())
        return
    call.respond(**deleted_message(name).as_kwargs())


def extend_named_program(call: Invocation, program: ProgramView, words: list[str]) -> None:
    days = int(words[0]) if words and words[0].isdigit() else 0
    try:
        with call.actor.unit_of_work() as session:
            extended = extend_cohort(session, call.team_id, program.id, days, call.actor.now())
    except InvalidInput as error:
        call.respond(**program_refused_message(next(iter(error.problems.values()))).as_kwargs())
        return
    call.respond(**extended_message(extended).as_kwargs())


def clone_named_program(call: Invocation, program: ProgramView, words: list[str]) -> None:
    if not call.actor.manages_workspace():
        call.respond(**workspace_only_message().as_kwargs())
        return
    name = " ".join(words)
    now = call.actor.now()
    try:
        with call.actor.unit_of_work() as session:
            clone = view_of_program(clone_cohort(session, call.team_id, program.id, name, call.user_id, now))
            for member in members_to_ask(session, program.id):
                key = f"program:{clone.id}:continue:{member}"
                enqueue(session, call.team_id, key, continue_invitation(program, clone), now, user_id=member)
    except InvalidInput as error:
        call.respond(**program_refused_message(next(iter(error.problems.values()))).as_kwargs())
        return
    call.respond(**cloned_message(program, clone).as_kwargs())
    call.actor.send_queued()


PROGRAM_SUBCOMMANDS: dict[str, Callable[[Invocation, ProgramView, list[str]], None]] = {
    "close": close_named_program,
    "delete": delete_named_program,
    "extend": extend_named_program,
    "clone": clone_named_program,
}


def program_command(call: Invocation, programs: list[ProgramView], words: list[str]) -> None:
    """`/mentor admin program new | list | close | delete | extend | clone …`."""
    verb, *rest = words or [""]
    if verb.lower() in ("new", "list"):
        (new_program if verb.lower() == "new" else list_programs)(call, programs, rest)
        return
    subcommand = PROGRAM_SUBCOMMANDS.get(verb.lower())
    if subcommand is None:
        call.respond(**program_help_message().as_kwargs())
        return
    choice = choose(programs, rest)
    if choice.program is None or not rest:
        call.respond(**which_program_message(f"admin program {verb.lower()}", programs).as_kwargs())
        return
    subcommand(call, choice.program, choice.words)


def create_submitted_program(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    form, problems = read_program_form(view.get("state", {}).get("values", {}))
    if form_refused(ack, problems):
        return
    if not actor.manages_workspace():
        ack(response_action="errors", errors={NAME: workspace_only_message().text})
        return
    try:
        with actor.unit_of_work() as session:
            program = create_program(session, actor.team_id, form, actor.user_id, actor.now())
    except InvalidInput as error:
        ack(response_action="errors", errors=dict(error.problems))
        return
    ack()
    actor.dm(created_message(program))


# Subcommands that form something new in a program: refused once it has closed.
FORMING = frozenset({"match"})

ADMIN_SUBCOMMANDS: dict[str, Callable[[Invocation, ProgramView, list[str]], None]] = {
    "weights": change_weights,
    "threshold": change_threshold,
    "chart": share_chart,
    "export": share_export,
    "report": show_report,
    "match": preview_match,
}


def not_theirs(call: Invocation, programs: list[ProgramView], word: str) -> bool:
    """The word names a program of the workspace that they don't manage: refuse, saying which they do."""
    with call.actor.reading() as session:
        everything = [view_of_program(p) for p in programs_of(session, call.team_id, include_closed=True)]
    named = named_by(everything, word)
    if named is None or any(p.id == named.id for p in programs):
        return False
    log.warning("refused: %s tried /mentor admin %s on program %s", call.user_id, call.args, named.id)
    call.respond(**manages_only_message(programs).as_kwargs())
    return True


def admin_command(call: Invocation) -> None:
    call.ack()
    programs = call.actor.managed_programs()
    if not programs:
        log.warning("refused: %s is not a program admin (/mentor admin %s)", call.user_id, call.args)
        call.respond(**not_admin_message(call.args.partition(" ")[0].lower()).as_kwargs())
        return
    name, *words = call.args.split() or [""]
    named = words[1:2] if name.lower() == "program" else words[:1]
    if named and not_theirs(call, programs, named[0]):
        return
    if name.lower() == "program":
        program_command(call, programs, words)
        return
    if name.lower() == "import":
        open_import(call, programs, words)
        return
    subcommand = ADMIN_SUBCOMMANDS.get(name.lower())
    if subcommand is None:
        call.respond(**admin_help_message().as_kwargs())
        return
    choice = choose(programs, words)
    if choice.program is not None and choice.program.closed and name.lower() in FORMING:
        call.respond(**program_closed_message(choice.program.name).as_kwargs())
    elif choice.program is not None:
        subcommand(call, choice.program, choice.words)
    elif name.lower() == "report":
        show_overview(call, programs)
    else:
        call.respond(**which_program_message(f"admin {name.lower()}", programs).as_kwargs())


def manages_round(actor: Actor, round_id: int) -> bool:
    with actor.reading() as session:
        return actor.manages(program_of_round(session, actor.team_id, round_id))


def publish_round(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if not manages_round(actor, action_value(body)):
        log.warning("refused: %s tried to publish a round", actor.user_id)
        respond(replace_original=False, **not_admin_message("publish").as_kwargs())
        return
    try:
        published = publish(actor.services, actor.team_id, action_value(body), actor.now())
    except (NotYours, NoLongerOpen):
        respond(replace_original=True, **round_settled_message().as_kwargs())
        return
    respond(replace_original=True, **published_message(published).as_kwargs())
    actor.send_queued()


def discard_draft_round(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if not manages_round(actor, action_value(body)):
        respond(replace_original=False, **not_admin_message("discard").as_kwargs())
        return
    try:
        with actor.unit_of_work() as session:
            discard_round(session, actor.team_id, action_value(body))
    except (NotYours, NoLongerOpen):
        respond(replace_original=True, **round_settled_message().as_kwargs())
        return
    respond(replace_original=True, **discarded_message().as_kwargs())


def publish_circle_round(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    round_id = action_value(body)
    if not manages_round(actor, round_id):
        log.warning("refused: %s tried to publish circle round %s", actor.user_id, round_id)
        respond(replace_original=False, **not_admin_message("publish").as_kwargs())
        return
    try:
        published = publish_circles(actor.services, actor.team_id, round_id, actor.now())
    except (NotYours, NoLongerOpen):
        respond(replace_original=True, **round_settled_message().as_kwargs())
        return
    message = circles_published_message(
        len(published.circles), len(published.unplaced), published.skipped, published.mentoring
    )
    respond(replace_original=True, **message.as_kwargs())
    start_circles(actor.services, actor.client, actor.team_id, published)
    actor.send_queued()


def discard_circle_draft(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    round_id = action_value(body)
    if not manages_round(actor, round_id):
        respond(replace_original=False, **not_admin_message("discard").as_kwargs())
        return
    try:
        with actor.unit_of_work() as session:
            program_format = discard_circle_round(session, actor.team_id, round_id)
    except (NotYours, NoLongerOpen):
        respond(replace_original=True, **round_settled_message().as_kwargs())
        return
    respond(replace_original=True, **circles_discarded_message(program_format is ProgramFormat.GROUP).as_kwargs())


def answer_proposal(body: dict[str, Any], respond: Respond, actor: Actor, verb: str, answer: Answer) -> PairView | None:
    """A proposed pair's person says yes or no; None when the pair is not theirs or no longer proposed."""
    pair_id = action_value(body)
    try:
        return answer(actor.services, actor.team_id, actor.user_id, pair_id, actor.now())
    except NotYours:
        log.warning("refused: %s tried to %s pair %s", actor.user_id, verb, pair_id)
        respond(replace_original=False, **match_not_yours_message().as_kwargs())
    except NoLongerOpen as closed:
        respond(replace_original=True, **closed_request_message(closed.status).as_kwargs())
    return None


def confirm_match(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    pair = answer_proposal(body, respond, actor, "confirm", confirm_proposal)
    if pair is None:
        return
    if pair.status is PairStatus.ACTIVE:
        respond(replace_original=True, **started_message().as_kwargs())
        start_conversation(actor.services, actor.client, pair)
    else:
        respond(replace_original=True, **waiting_for_partner_message(pair, actor.user_id).as_kwargs())


def decline_match(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if answer_proposal(body, respond, actor, "decline", decline_proposal) is not None:
        respond(replace_original=True, **declined_by_you_message().as_kwargs())
        actor.send_queued()


def share_program_list(
    ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor, listed: Callable[[Session, int, datetime], Message]
) -> None:
    """A report button's list of pairs, in the admin's DM; only for an admin of the button's program."""
    ack()
    program_id = action_value(body)
    if not actor.manages(program_id):
        respond(replace_original=False, **not_admin_message("report").as_kwargs())
        return
    with actor.reading() as session:
        message = listed(session, program_id, actor.now())
    actor.dm(message)


def at_risk_list(session: Session, program_id: int, now: datetime) -> Message:
    return admins_at_risk(at_risk_now(session, program_id, now))


def not_met_list(session: Session, program_id: int, now: datetime) -> Message:
    return not_met_message([view_of(session, session.get_one(Pair, p)) for p in not_met_yet(session, program_id, now)])


def show_at_risk(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    share_program_list(ack, body, respond, actor, at_risk_list)


def show_not_met(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    share_program_list(ack, body, respond, actor, not_met_list)


def register(app: Routes, command: MentorCommand) -> None:
    command.add(
        "admin",
        "admin program | import | match | report | chart | export | weights | threshold [program]",
        "program admins: rounds, health, weights",
        admin_command,
    )
    app.action(ROUND_PUBLISH)(publish_round)
    app.action(ROUND_DISCARD)(discard_draft_round)
    app.action(CIRCLES_PUBLISH)(publish_circle_round)
    app.action(CIRCLES_DISCARD)(discard_circle_draft)
    app.action(PAIR_CONFIRM)(confirm_match)
    app.action(PAIR_DECLINE)(decline_match)
    app.action(REPORT_AT_RISK)(show_at_risk)
    app.action(REPORT_NOT_MET)(show_not_met)
    app.view(PROGRAM_SUBMIT)(create_submitted_program)
    app.view(IMPORT_SUBMIT)(preview_import)
    app.action(IMPORT_CONFIRM)(confirm_import)
    app.action(IMPORT_COLUMNS)(change_columns)
    app.view(IMPORT_COLUMNS_SUBMIT)(preview_columns)
    app.action(IMPORT_CANCEL)(cancel_import)
