"""Finding a mentor: `/mentor find [topic]`, the request modal, the mentor's Accept / Decline, and joining a
mentoring group with room."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.deliveries import Pending
from bot.errors import MentorbotError, NoLongerOpen, NotYours, RequestClosed
from bot.finding import find_answer
from bot.groups import join_group
from bot.profiles import find_person
from bot.requesting import (
    accept_clicked,
    answer_find,
    send_request,
    store_request,
    tell_declined,
    withdraw_clicked,
)
from bot.requests import decline, mentor_for_request, open_request_for_mentor, validate_request_message
from bot.views.find import (
    DECLINE_NOT_YOURS,
    DECLINE_SUBMIT,
    FIND_IN_PROGRAM,
    FIND_JOIN_GROUP,
    FIND_REQUEST,
    MESSAGE,
    NOTE,
    REQUEST_ACCEPT,
    REQUEST_DECLINE,
    REQUEST_SUBMIT,
    REQUEST_WITHDRAW,
    blocked_reason,
    closed_request_message,
    decline_modal,
    group_not_open_message,
    group_not_yours_message,
    joined_group_message,
    read_find_in,
    read_metadata,
    read_note,
    read_request_form,
    request_form_errors,
    request_modal,
    request_not_yours,
)
from handlers.actor import Actor, action_value, click_of, form_id, form_refused
from handlers.routing import Invocation, MentorCommand, Routes

log = logging.getLogger(__name__)


def find_mentors_command(call: Invocation) -> None:
    call.ack()
    call.actor.after_ack(
        call.answer, call.delivery, answer_find, call.team_id, call.user_id, call.args, call.response_url
    )


def find_in_program(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    program_id, topic = read_find_in(str(body["actions"][0].get("value") or ""))
    answer = find_answer(actor.services, actor.team_id, actor.user_id, topic, program_id)
    respond(replace_original=True, **answer.as_kwargs())


def join_open_group(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    circle_id = action_value(body)
    try:
        moved = join_group(actor.services, actor.client, actor.team_id, actor.user_id, circle_id)
    except NotYours:
        log.warning("refused: %s tried to join group %s", actor.user_id, circle_id)
        respond(replace_original=False, **group_not_yours_message().as_kwargs())
        return
    except NoLongerOpen as closed:
        respond(replace_original=False, **group_not_open_message(closed.status).as_kwargs())
        return
    respond(replace_original=True, **joined_group_message(moved).as_kwargs())


def open_request_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    mentor_id, topic = read_metadata(str(body["actions"][0].get("value") or ""))
    with actor.unit_of_work() as session:
        mentee = find_person(session, actor.team_id, actor.user_id)
        mentor = mentor_for_request(session, actor.team_id, mentor_id) if mentor_id else None
        if mentee is None or mentor is None:
            return
        view = request_modal(mentor.slack_user_id, mentor.id, topic, mentee.cadence)
    actor.client.views_open(trigger_id=str(body["trigger_id"]), view=view)


def request_mentor(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    message, cadence = read_request_form(view.get("state", {}).get("values", {}))
    mentor_id, topic = read_metadata(str(view.get("private_metadata") or ""))
    errors = request_form_errors(validate_request_message(message), cadence, mentor_id)
    if form_refused(ack, errors) or cadence is None or mentor_id is None:
        return
    try:
        request, mentee = store_request(
            actor.services, actor.team_id, actor.user_id, mentor_id, message, cadence, topic
        )
    except MentorbotError as error:
        ack(response_action="errors", errors={MESSAGE: blocked_reason(error)})
        return
    ack()
    send_request(actor.services, actor.client, request, mentee)


def accept_request(
    ack: Ack, body: dict[str, Any], context: BoltContext, actor: Actor, delivery: Pending | None
) -> None:
    ack()
    click = click_of(body, context)
    actor.after_ack(partial(click.answer, actor.services), delivery, accept_clicked, click)


def open_decline_form(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    request_id = action_value(body)
    try:
        with actor.unit_of_work() as session:
            request = open_request_for_mentor(session, actor.team_id, actor.user_id, request_id)
    except NotYours:
        log.warning("refused: %s tried to decline request %s", actor.user_id, request_id)
        respond(replace_original=False, **request_not_yours().as_kwargs())
        return
    except RequestClosed as closed:
        respond(replace_original=True, **closed_request_message(closed.status).as_kwargs())
        return
    actor.client.views_open(trigger_id=str(body["trigger_id"]), view=decline_modal(request.id, request.mentee_user_id))


def decline_request(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    note = read_note(view.get("state", {}).get("values", {}))
    try:
        with actor.unit_of_work() as session:
            request = decline(session, actor.team_id, actor.user_id, form_id(view), note, actor.now())
    except NotYours:
        log.warning("refused: %s tried to decline request %s", actor.user_id, view.get("private_metadata"))
        ack(response_action="errors", errors={NOTE: DECLINE_NOT_YOURS})
        return
    except RequestClosed as closed:
        ack(response_action="errors", errors={NOTE: closed_request_message(closed.status).text})
        return
    ack()
    tell_declined(actor.services, actor.client, request)


def withdraw_request(
    ack: Ack, body: dict[str, Any], context: BoltContext, actor: Actor, delivery: Pending | None
) -> None:
    ack()
    click = click_of(body, context)
    actor.after_ack(partial(click.answer, actor.services), delivery, withdraw_clicked, click)


def register(app: Routes, command: MentorCommand) -> None:
    command.add(
        "find",
        "find [topic]",
        "see the mentors who fit you best, and ask one",
        find_mentors_command,
        checked_after_ack=True,
    )
    app.action(FIND_IN_PROGRAM)(find_in_program)
    app.action(FIND_JOIN_GROUP)(join_open_group)
    app.action(FIND_REQUEST)(open_request_form)
    app.view(REQUEST_SUBMIT)(request_mentor)
    app.action(REQUEST_ACCEPT, checked_after_ack=True)(accept_request)
    app.action(REQUEST_DECLINE)(open_decline_form)
    app.view(DECLINE_SUBMIT)(decline_request)
    app.action(REQUEST_WITHDRAW, checked_after_ack=True)(withdraw_request)
