"""Private feedback: fit check answers, evaluations (shared only by choice), and ending a pair without blame."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from sqlalchemy.orm import Session

from bot.closing import end_by_member, stay_in_touch
from bot.errors import EvaluationClosed
from bot.evaluations import open_evaluation
from bot.evaluations import submit as submit_evaluation
from bot.evaluations import validate as validate_evaluation
from bot.fit import answer, end_without_blame
from bot.pairs import pair_for_member, view_of
from bot.report import anonymity_threshold
from bot.views.blocks import Block, Message
from bot.views.closing import (
    ALREADY_ENDED,
    PAIR_END_OPEN,
    PAIR_END_SUBMIT,
    REASON,
    REASON_MISSING,
    STAY_IN_TOUCH,
    closing_message,
    end_modal,
    read_reason,
    stay_in_touch_set,
)
from bot.views.closing import NOT_YOUR_PAIR as END_NOT_YOUR_PAIR
from bot.views.evaluations import (
    ALREADY_SENT,
    EVALUATION_OPEN,
    EVALUATION_SUBMIT,
    OVERALL,
    evaluation_modal,
    read_evaluation_form,
    shared_with_partner,
    thanks_message,
)
from bot.views.evaluations import NOT_YOURS as EVALUATION_NOT_YOURS
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
from handlers.actor import Actor, Refusals, action_id_of, action_value, form_id, form_refused
from handlers.routing import MentorCommand, Routes
from storage.models import FitAnswer

ANSWERS = {FIT_GOOD: FitAnswer.GOOD, FIT_DECIDING: FitAnswer.DECIDING, FIT_NOT_GOOD: FitAnswer.NOT_GOOD}
END_REFUSALS = Refusals({REASON: END_NOT_YOUR_PAIR}, closed={REASON: ALREADY_ENDED})
EVALUATION_REFUSALS = Refusals({OVERALL: EVALUATION_NOT_YOURS}, closed={OVERALL: ALREADY_SENT})


def answer_fit_check(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    given = ANSWERS[str(action_id_of(body))]
    pair = actor.as_member("answered the fit check of pair", answer, action_value(body), given, actor.now())
    if pair is None:
        return
    reply: Message = {
        FitAnswer.GOOD: good_answer(),
        FitAnswer.DECIDING: deciding_answer(),
        FitAnswer.NOT_GOOD: not_good_answer(pair),
    }[given]
    respond(replace_original=True, **reply.as_kwargs())


def end_pair(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    pair = actor.as_member("ended pair", end_without_blame, action_value(body), actor.now())
    if pair is None:
        return
    if body.get("response_url"):
        respond(replace_original=True, **ended_for_you(pair, actor.user_id).as_kwargs())
    else:
        actor.dm(ended_for_you(pair, actor.user_id))
    partner = partner_of(pair, actor.user_id)
    actor.dm_to(partner, ended_for_partner(pair, partner))
    actor.refresh_homes(actor.user_id, partner)


def end_form(session: Session, team_id: str, user_id: str, pair_id: int) -> Block:
    """Ending one of their pairs, saying who will see the reason (in figures above the anonymity threshold)."""
    pair = view_of(session, pair_for_member(session, team_id, user_id, pair_id))
    return end_modal(pair, user_id, anonymity_threshold(session, pair.program_id))


def open_end_form(ack: Ack, body: dict[str, Any], actor: Actor) -> None:
    ack()
    actor.open_as_member(str(body["trigger_id"]), "opened the end of pair", end_form, action_value(body))


def end_with_reason(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    reason = read_reason(view.get("state", {}).get("values", {}))
    if reason is None:
        ack(response_action="errors", errors={REASON: REASON_MISSING})
        return
    pair = actor.submit_as_member(ack, END_REFUSALS, end_by_member, form_id(view), reason, actor.now())
    if pair is None:
        return
    for person in (pair.mentee_user_id, pair.mentor_user_id):
        actor.dm_to(person, closing_message(pair, person, completed=False))
        actor.refresh_homes(person)


def keep_in_touch(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    if actor.as_member("stayed in touch with pair", stay_in_touch, action_value(body), actor.now()) is not None:
        respond(replace_original=False, **stay_in_touch_set().as_kwargs())


def keep_going(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **kept_answer().as_kwargs())


def evaluation_form(session: Session, team_id: str, user_id: str, evaluation_id: int) -> Block:
    return evaluation_modal(open_evaluation(session, team_id, user_id, evaluation_id))


def open_evaluation_form(ack: Ack, body: dict[str, Any], respond: Respond, actor: Actor) -> None:
    ack()
    try:
        actor.open_as_member(str(body["trigger_id"]), "opened evaluation", evaluation_form, action_value(body))
    except EvaluationClosed:
        respond(replace_original=False, **evaluation_answered().as_kwargs())


def submit_evaluation_form(ack: Ack, view: dict[str, Any], actor: Actor) -> None:
    answers = read_evaluation_form(view.get("state", {}).get("values", {}))
    if form_refused(ack, validate_evaluation(answers)):
        return
    ask = actor.submit_as_member(ack, EVALUATION_REFUSALS, submit_evaluation, form_id(view), answers, actor.now())
    if ask is None:
        return
    actor.dm(thanks_message(answers.share))
    if answers.share:
        actor.dm_to(ask.partner_id, shared_with_partner(ask, answers))


def register(app: Routes, command: MentorCommand) -> None:
    app.action(EVALUATION_OPEN)(open_evaluation_form)
    app.view(EVALUATION_SUBMIT)(submit_evaluation_form)
    for action_id in ANSWERS:
        app.action(action_id)(answer_fit_check)
    app.action(PAIR_END)(end_pair)
    app.action(FIT_KEEP)(keep_going)
    app.action(PAIR_END_OPEN)(open_end_form)
    app.view(PAIR_END_SUBMIT)(end_with_reason)
    app.action(STAY_IN_TOUCH)(keep_in_touch)
