"""Finding a mentor: `/mentor find [topic]`, the request modal, and the mentor's Accept / Decline."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.errors import MentorbotError, NoCapacity, NotYours, RequestClosed
from bot.finding import find_answer
from bot.home import refresh_home
from bot.offload import once_after_ack
from bot.profiles import find_person, get_profile
from bot.requests import (
    RequestView,
    accept,
    create_request,
    decline,
    find_mentors,
    mentor_for_request,
    open_request_for_mentor,
    remember_mentor_message,
    validate_request_message,
    withdraw,
)
from bot.services import Services
from bot.slack import edit, respond_at, send_dm
from bot.views.blocks import Message
from bot.views.find import (
    CADENCE,
    DECLINE_SUBMIT,
    FIND_REQUEST,
    MESSAGE,
    REQUEST_ACCEPT,
    REQUEST_DECLINE,
    REQUEST_SUBMIT,
    REQUEST_WITHDRAW,
    blocked_reason,
    closed_request_message,
    decline_modal,
    declined_for_mentee,
    mentor_accepted_update,
    mentor_declined_update,
    mentor_request_message,
    no_capacity_message,
    read_metadata,
    read_note,
    read_request_form,
    request_modal,
    request_sent_message,
    withdrawn_for_mentor,
    withdrawn_message,
)
from bot.views.join import profile_fields
from handlers.intro import start_conversation
from handlers.router import (
    Click,
    Invocation,
    MentorCommand,
    Routes,
    action_value,
    pending_delivery,
    workspace_of,
)

log = logging.getLogger(__name__)
NOT_YOURS = Message(text="That request isn't addressed to you, so I've left it alone.")


def answer_find(services: Services, team_id: str, user_id: str, topic: str, response_url: str) -> None:
    """Rank the mentors who fit this person and answer the `/mentor find` that asked (a worker's job)."""
    respond_at(response_url, find_answer(services, team_id, user_id, topic), services.settings.slack_api_timeout)


def refresh_both(services: Services, client: WebClient, request: RequestView) -> None:
    for person in (request.mentee_user_id, request.mentor_user_id):
        refresh_home(services, client, request.team_id, person)


def update_mentor_message(client: WebClient, request: RequestView, message: Message, clicked_ts: str = "") -> None:
    """Bring the mentor's request DM up to date, unless that is the message just answered in place."""
    if request.mentor_channel and request.mentor_message_ts and request.mentor_message_ts != clicked_ts:
        edit(client, request.mentor_channel, request.mentor_message_ts, message)


def accept_clicked(services: Services, click: Click) -> None:
    """The mentor said yes: pair them, open the pair's group DM and update the request (a worker's job)."""
    settings = services.settings
    try:
        with services.db.unit_of_work() as session:
            request, pair = accept(session, click.team_id, click.user_id, click.value, services.clock.now())
    except NoCapacity:
        click.answer(
            settings, no_capacity_message("Raise your capacity in your profile if you'd like to take them on too.")
        )
        return
    except RequestClosed as closed:
        click.answer(settings, closed_request_message(closed.status), replace_original=True)
        return
    except NotYours:
        log.warning("refused: %s tried to accept request %s", click.user_id, click.value)
        click.answer(settings, NOT_YOURS)
        return
    client = click.client(settings)
    start_conversation(services, client, click.team_id, pair)
    click.answer(settings, mentor_accepted_update(request), replace_original=True)
    update_mentor_message(client, request, mentor_accepted_update(request), click.message_ts)


def withdraw_clicked(services: Services, click: Click) -> None:
    """The mentee took their request back: close it and tell the mentor (a worker's job)."""
    settings = services.settings
    try:
        with services.db.unit_of_work() as session:
            request = withdraw(session, click.team_id, click.user_id, click.value, services.clock.now())
    except NotYours:
        log.warning("refused: %s tried to withdraw request %s", click.user_id, click.value)
        click.answer(settings, NOT_YOURS)
        return
    except RequestClosed as closed:
        click.answer(settings, closed_request_message(closed.status), replace_original=True)
        return
    click.answer(settings, withdrawn_message(), replace_original=True)
    client = click.client(settings)
    update_mentor_message(client, request, withdrawn_for_mentor(request))
    refresh_both(services, client, request)


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def on_find(call: Invocation) -> None:
        call.ack()
        once_after_ack(
            services, call.delivery, answer_find, call.team_id, call.user_id, call.args.strip(), call.response_url
        )

    def on_request_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        mentor_id, topic = read_metadata(str(body["actions"][0].get("value") or ""))
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        with services.db.unit_of_work() as session:
            mentee = find_person(session, team_id, user_id)
            mentor = mentor_for_request(session, team_id, mentor_id) if mentor_id else None
            if mentee is None or mentor is None:
                return
            view = request_modal(mentor.slack_user_id, mentor.id, topic, mentee.cadence)
        client.views_open(trigger_id=str(body["trigger_id"]), view=view)

    def on_request_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        message, cadence = read_request_form(view.get("state", {}).get("values", {}))
        mentor_id, topic = read_metadata(str(view.get("private_metadata") or ""))
        errors: dict[str, str] = {}
        problem = validate_request_message(message)
        if problem:
            errors[MESSAGE] = problem
        if cadence is None:
            errors[CADENCE] = "Pick how often you'd like to meet; you can agree on the details together later."
        if mentor_id is None:
            errors[MESSAGE] = "This form lost track of its mentor. Close it and run /mentor find again."
        if errors or cadence is None or mentor_id is None:
            ack(response_action="errors", errors=errors)
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                request = create_request(
                    session, team_id, user_id, mentor_id, message, cadence, topic, services.clock.now()
                )
                mentee_profile = get_profile(session, team_id, user_id)
        except MentorbotError as error:
            ack(response_action="errors", errors={MESSAGE: blocked_reason(error)})
            return
        except IntegrityError:
            ack(response_action="errors", errors={MESSAGE: "You already have a request waiting for an answer."})
            return
        ack()
        assert mentee_profile is not None
        channel, ts = send_dm(
            client, request.mentor_user_id, mentor_request_message(request, profile_fields(mentee_profile))
        )
        with services.db.unit_of_work() as session:
            remember_mentor_message(session, request.id, channel, ts)
        send_dm(client, user_id, request_sent_message(request))
        refresh_both(services, client, request)

    def on_accept(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        once_after_ack(services, pending_delivery(context), accept_clicked, Click.of(body, context))

    def on_decline(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, request_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                request = open_request_for_mentor(session, team_id, user_id, request_id)
        except NotYours:
            log.warning("refused: %s tried to decline request %s", user_id, request_id)
            respond(replace_original=False, **NOT_YOURS.as_kwargs())
            return
        except RequestClosed as closed:
            respond(replace_original=True, **closed_request_message(closed.status).as_kwargs())
            return
        client.views_open(trigger_id=str(body["trigger_id"]), view=decline_modal(request.id, request.mentee_user_id))

    def on_decline_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        note = read_note(view.get("state", {}).get("values", {}))
        try:
            request_id = int(str(view.get("private_metadata")))
            with services.db.unit_of_work() as session:
                request = decline(session, team_id, user_id, request_id, note, services.clock.now())
        except (ValueError, NotYours):
            log.warning("refused: %s tried to decline request %s", user_id, view.get("private_metadata"))
            ack(response_action="errors", errors={"note": "That request isn't addressed to you."})
            return
        except RequestClosed as closed:
            ack(response_action="errors", errors={"note": closed_request_message(closed.status).text})
            return
        ack()
        update_mentor_message(client, request, mentor_declined_update(request))
        try:
            with services.db.reading() as session:
                suggestions = find_mentors(
                    session, team_id, request.mentee_user_id, request.topic, services.mentor_pools
                )
        except MentorbotError:
            suggestions = []
        send_dm(client, request.mentee_user_id, declined_for_mentee(request, suggestions))
        refresh_both(services, client, request)

    def on_withdraw(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        once_after_ack(services, pending_delivery(context), withdraw_clicked, Click.of(body, context))

    command.add(
        "find", "find [topic]", "see the mentors who fit you best, and ask one", on_find, checked_after_ack=True
    )
    app.action(FIND_REQUEST)(on_request_button)
    app.view(REQUEST_SUBMIT)(on_request_submit)
    app.action(REQUEST_ACCEPT, checked_after_ack=True)(on_accept)
    app.action(REQUEST_DECLINE)(on_decline)
    app.view(DECLINE_SUBMIT)(on_decline_submit)
    app.action(REQUEST_WITHDRAW, checked_after_ack=True)(on_withdraw)
