"""Asking a mentor: the answer to `/mentor find`, the request and the DMs it sends, and the mentor's and
mentee's answers to it.

`answer_find`, `accept_clicked` and `withdraw_clicked` are jobs for the workers (see `bot.offload`): each takes
the `Services` it runs with and plain values, and answers Slack itself.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.clicks import Click
from bot.conversations import start_conversation
from bot.dm_channels import send_dm
from bot.errors import MentorbotError, NoCapacity, NotYours, RequestClosed
from bot.finding import find_answer
from bot.home import refresh_home_now, refresh_homes_soon
from bot.profiles import Profile, get_profile
from bot.requests import (
    RequestView,
    accept,
    close_filled,
    create_request,
    find_mentors,
    remember_mentor_message,
    withdraw,
)
from bot.services import Services
from bot.slack import edit, respond_at
from bot.views.blocks import Message
from bot.views.find import (
    closed_request_message,
    declined_for_mentee,
    mentor_accepted_update,
    mentor_declined_update,
    mentor_request_message,
    no_capacity_message,
    request_not_yours,
    request_sent_message,
    withdrawn_for_mentor,
    withdrawn_message,
)
from bot.views.join import profile_fields
from storage.models import Cadence

log = logging.getLogger(__name__)


def answer_find(services: Services, team_id: str, user_id: str, topic: str, response_url: str) -> None:
    """Rank the mentors who fit this person and answer the `/mentor find` that asked (a worker's job)."""
    respond_at(response_url, find_answer(services, team_id, user_id, topic), services.settings.slack_api_timeout)


def refresh_both(services: Services, client: WebClient, request: RequestView) -> None:
    refresh_homes_soon(services, client, request.team_id, (request.mentee_user_id, request.mentor_user_id))


def redraw_if_watched(services: Services, client: WebClient, click: Click) -> None:
    """A button in the App Home: the person is looking at it, so theirs is redrawn now rather than soon."""
    if click.from_home:
        refresh_home_now(services, client, click.team_id, click.user_id)


def update_mentor_message(client: WebClient, request: RequestView, message: Message, clicked_ts: str = "") -> None:
    """Bring the mentor's request DM up to date, unless that is the message just answered in place."""
    if request.mentor_channel and request.mentor_message_ts and request.mentor_message_ts != clicked_ts:
        edit(client, request.mentor_channel, request.mentor_message_ts, message)


def store_request(
    services: Services, team_id: str, user_id: str, mentor_id: int, message: str, cadence: Cadence, topic: str
) -> tuple[RequestView, Profile | None]:
    """Store a mentee's request to one mentor, with the mentee's profile to show them; what blocks it is raised (a
    `MentorbotError`: `RequestAlreadyOpen` when the mentee's other request was stored at the same moment)."""
    with services.db.unit_of_work() as session:
        request = create_request(session, team_id, user_id, mentor_id, message, cadence, topic, services.clock.now())
        return request, get_profile(session, team_id, user_id)


def send_request(services: Services, client: WebClient, request: RequestView, mentee: Profile | None) -> None:
    """Show the mentor the request beside the mentee's profile, and tell the mentee it is on its way."""
    assert mentee is not None
    channel, ts = send_dm(
        services.db,
        client,
        request.team_id,
        request.mentor_user_id,
        mentor_request_message(request, profile_fields(mentee)),
    )
    with services.db.unit_of_work() as session:
        remember_mentor_message(session, request.id, channel, ts)
    send_dm(services.db, client, request.team_id, request.mentee_user_id, request_sent_message(request))
    refresh_both(services, client, request)


def accept_clicked(services: Services, click: Click) -> None:
    """The mentor said yes: pair them, open the pair's group DM and update the request (a worker's job)."""
    settings = services.settings
    try:
        with services.db.unit_of_work() as session:
            request, pair = accept(session, click.team_id, click.user_id, click.value, services.clock.now())
    except NoCapacity:
        click.answer(
            services, no_capacity_message("Raise your capacity in your profile if you'd like to take them on too.")
        )
        return
    except RequestClosed as closed:
        if closed.status == "paired":
            with services.db.unit_of_work() as session:
                close_filled(session, click.team_id, click.user_id, click.value, services.clock.now())
        click.answer(services, closed_request_message(closed.status), replace_original=True)
        return
    except NotYours:
        log.warning("refused: %s tried to accept request %s", click.user_id, click.value)
        click.answer(services, request_not_yours())
        return
    # The mentor hears at once that the pair is made (it is stored); opening their group DM waits for Slack's
    # pace for new conversations (about 50 a minute per workspace), which a busy hour can reach.
    click.answer(services, mentor_accepted_update(request), replace_original=True)
    client = click.client(settings)
    start_conversation(services, client, pair)
    update_mentor_message(client, request, mentor_accepted_update(request), click.message_ts)
    redraw_if_watched(services, client, click)


def tell_declined(services: Services, client: WebClient, request: RequestView) -> None:
    """The mentor said no: update their request DM, and offer the mentee the mentors who fit them next."""
    update_mentor_message(client, request, mentor_declined_update(request))
    try:
        with services.db.reading() as session:
            suggestions = find_mentors(
                session,
                request.team_id,
                request.mentee_user_id,
                request.topic,
                services.mentor_pools,
                program_id=request.program_id,
            ).matches
    except MentorbotError:
        suggestions = []
    send_dm(services.db, client, request.team_id, request.mentee_user_id, declined_for_mentee(request, suggestions))
    refresh_both(services, client, request)


def withdraw_clicked(services: Services, click: Click) -> None:
    """The mentee took their request back: close it and tell the mentor (a worker's job)."""
    settings = services.settings
    try:
        with services.db.unit_of_work() as session:
            request = withdraw(session, click.team_id, click.user_id, click.value, services.clock.now())
    except NotYours:
        log.warning("refused: %s tried to withdraw request %s", click.user_id, click.value)
        click.answer(services, request_not_yours())
        return
    except RequestClosed as closed:
        click.answer(services, closed_request_message(closed.status), replace_original=True)
        return
    click.answer(services, withdrawn_message(), replace_original=True)
    client = click.client(settings)
    update_mentor_message(client, request, withdrawn_for_mentor(request))
    refresh_both(services, client, request)
    redraw_if_watched(services, client, click)
