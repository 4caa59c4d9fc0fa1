"""Private feedback: fit check answers, evaluations (shared only by choice), and ending a pair without blame."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.closing import end_by_member, stay_in_touch
from bot.errors import NotYours, RequestClosed
from bot.evaluations import open_evaluation
from bot.evaluations import submit as submit_evaluation
from bot.evaluations import validate as validate_evaluation
from bot.fit import answer, end_without_blame
from bot.home import refresh_home
from bot.pairs import pair_for_member, view_of
from bot.report import anonymity_threshold
from bot.services import Services
from bot.slack import send_dm
from bot.views.blocks import Message
from bot.views.closing import (
    PAIR_END_OPEN,
    PAIR_END_SUBMIT,
    STAY_IN_TOUCH,
    closing_message,
    end_modal,
    read_reason,
    stay_in_touch_set,
)
from bot.views.evaluations import (
    EVALUATION_OPEN,
    EVALUATION_SUBMIT,
    evaluation_modal,
    read_evaluation_form,
    shared_with_partner,
    thanks_message,
)
from bot.views.evaluations import already_answered as evaluation_answered
from bot.views.fit import (
    FIT_DECIDING,
    FIT_GOOD,
    FIT_KEEP,
    FIT_NOT_GOOD,
    PAIR_END,
    deciding_answer,
    ended_for_partner,
    ended_for_you,
    good_answer,
    kept_answer,
    not_good_answer,
    partner_of,
)
from handlers.router import MentorCommand, Routes, action_value, refuse, workspace_of
from storage.models import FitAnswer

ANSWERS = {FIT_GOOD: FitAnswer.GOOD, FIT_DECIDING: FitAnswer.DECIDING, FIT_NOT_GOOD: FitAnswer.NOT_GOOD}


def register(app: Routes, services: Services, command: MentorCommand) -> None:
    def on_answer(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        given = ANSWERS[str(body["actions"][0]["action_id"])]
        try:
            with services.db.unit_of_work() as session:
                pair = answer(session, team_id, user_id, pair_id, given, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"answered the fit check of pair {pair_id}")
            return
        reply: Message = {
            FitAnswer.GOOD: good_answer(),
            FitAnswer.DECIDING: deciding_answer(),
            FitAnswer.NOT_GOOD: not_good_answer(pair),
        }[given]
        respond(replace_original=True, **reply.as_kwargs())

    def on_end(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                pair = end_without_blame(session, team_id, user_id, pair_id, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"ended pair {pair_id}")
            return
        if body.get("response_url"):
            respond(replace_original=True, **ended_for_you(pair, user_id).as_kwargs())
        else:
            send_dm(client, user_id, ended_for_you(pair, user_id))
        partner = partner_of(pair, user_id)
        send_dm(client, partner, ended_for_partner(pair, partner))
        for person in (user_id, partner):
            refresh_home(services, client, team_id, person)

    def on_end_open(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                pair = view_of(session, pair_for_member(session, team_id, user_id, pair_id))
                threshold = anonymity_threshold(session, team_id)
        except NotYours:
            refuse(client, user_id, f"opened the end of pair {pair_id}")
            return
        client.views_open(trigger_id=str(body["trigger_id"]), view=end_modal(pair, user_id, threshold))

    def on_end_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        reason = read_reason(view.get("state", {}).get("values", {}))
        if reason is None:
            ack(response_action="errors", errors={"reason": "Pick the closest reason; it stays private."})
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                pair = end_by_member(
                    session, team_id, user_id, int(view.get("private_metadata") or 0), reason, services.clock.now()
                )
        except (NotYours, ValueError):
            ack(response_action="errors", errors={"reason": "This isn't your pair."})
            return
        except RequestClosed:
            ack(response_action="errors", errors={"reason": "This pair has already ended."})
            return
        ack()
        for person in (pair.mentee_user_id, pair.mentor_user_id):
            send_dm(client, person, closing_message(pair, person, completed=False))
            refresh_home(services, client, team_id, person)

    def on_stay_in_touch(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        team_id, user_id, pair_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                stay_in_touch(session, team_id, user_id, pair_id, services.clock.now())
        except NotYours:
            refuse(client, user_id, f"stayed in touch with pair {pair_id}")
            return
        respond(replace_original=False, **stay_in_touch_set().as_kwargs())

    def on_keep(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, **kept_answer().as_kwargs())

    def on_evaluation_open(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        team_id, user_id, evaluation_id = workspace_of(context), str(body["user"]["id"]), action_value(body)
        try:
            with services.db.unit_of_work() as session:
                ask = open_evaluation(session, team_id, user_id, evaluation_id)
        except NotYours:
            refuse(client, user_id, f"opened evaluation {evaluation_id}")
            return
        except RequestClosed:
            respond(replace_original=False, **evaluation_answered().as_kwargs())
            return
        client.views_open(trigger_id=str(body["trigger_id"]), view=evaluation_modal(ask))

    def on_evaluation_submit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        answers = read_evaluation_form(view.get("state", {}).get("values", {}))
        errors = validate_evaluation(answers)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        team_id, user_id = workspace_of(context), str(body["user"]["id"])
        try:
            with services.db.unit_of_work() as session:
                ask = submit_evaluation(
                    session, team_id, user_id, int(view.get("private_metadata") or 0), answers, services.clock.now()
                )
        except (NotYours, ValueError):
            ack(response_action="errors", errors={"overall": "This evaluation belongs to someone else."})
            return
        except RequestClosed:
            ack(response_action="errors", errors={"overall": "You've already sent this evaluation. Thank you!"})
            return
        ack()
        send_dm(client, user_id, thanks_message(answers.share))
        if answers.share:
            send_dm(client, ask.partner_id, shared_with_partner(ask, answers))

    app.action(EVALUATION_OPEN)(on_evaluation_open)
    app.view(EVALUATION_SUBMIT)(on_evaluation_submit)
    for action_id in ANSWERS:
        app.action(action_id)(on_answer)
    app.action(PAIR_END)(on_end)
    app.action(FIT_KEEP)(on_keep)
    app.action(PAIR_END_OPEN)(on_end_open)
    app.view(PAIR_END_SUBMIT)(on_end_submit)
    app.action(STAY_IN_TOUCH)(on_stay_in_touch)
