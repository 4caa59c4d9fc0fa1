"""Several mentors per mentee: how many mentors a mentee wants (or one of each kind they picked), and what they
still want once their live pairs are counted. Find, requests, accepts and rounds all ask here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.pairs import LIVE
from bot.programs import view_of_program
from bot.questions import Question, answer_set, kind_answer, kind_question
from bot.round_plan import Wanted
from storage.models import Pair, Person, Program


@dataclass(frozen=True)
class Partner:
    """One of a mentee's live mentors (proposed or active)."""

    person_id: int
    user_id: str
    kind: str


def mentor_kind(answers: Mapping[str, object], question: Question | None) -> str:
    """The kind of mentor someone is: their answer to the program's question of kinds ("" when none)."""
    return kind_answer(answer_set(answers.get(question.key))) if question is not None else ""


def kinds_question(program: Program) -> Question | None:
    """The program's question of mentor kinds, when it allows several mentors and has one."""
    if program.mentors_per_mentee <= 1:
        return None
    return kind_question(view_of_program(program).questions)


def wanted_by(person: Person, program: Program) -> Wanted:
    """All a mentee wants in this program: one of each kind they picked (still a choice of the question), else
    a number of mentors (at most the program's limit, at least one)."""
    limit = max(1, program.mentors_per_mentee)
    question = kinds_question(program)
    if question is not None:
        kinds = tuple(k for k in dict.fromkeys(person.mentor_kinds_wanted or []) if k in question.choices)[:limit]
        if kinds:
            return Wanted(len(kinds), kinds)
    return Wanted(max(1, min(person.mentors_wanted or 1, limit)))


def still_wanted(wanted: Wanted, partner_kinds: Sequence[str]) -> Wanted:
    """What is left of `wanted` once the mentee has live mentors of `partner_kinds` (one entry per mentor).

    Every live mentor takes one of the places. A kind is filled only by a mentor of that kind; when a mentor of
    no wanted kind (say one from before the program had kinds) took a place, the kinds picked first are kept."""
    left = max(0, wanted.count - len(partner_kinds))
    if not wanted.kinds:
        return Wanted(left)
    missing = tuple(k for k in wanted.kinds if k not in partner_kinds)[:left]
    return Wanted(len(missing), missing)


def live_partners(session: Session, program: Program, mentee_ids: Iterable[int]) -> dict[int, list[Partner]]:
    """Each mentee's live mentors, in one query."""
    ids = list(mentee_ids)
    found: dict[int, list[Partner]] = {i: [] for i in ids}
    if not ids:
        return found
    question = kinds_question(program)
    rows = session.execute(
        select(Pair.mentee_id, Person.id, Person.slack_user_id, Person.answers)
        .join(Person, Person.id == Pair.mentor_id)
        .where(Pair.mentee_id.in_(ids), Pair.status.in_(LIVE))
        .order_by(Pair.id)
    )
    for mentee_id, mentor_id, user_id, answers in rows:
        found[mentee_id].append(Partner(mentor_id, user_id, mentor_kind(answers or {}, question)))
    return found


def left_after(wanted: Wanted, partners: Sequence[Partner]) -> Wanted:
    return still_wanted(wanted, [p.kind for p in partners])


def fills(left: Wanted, kind: str) -> bool:
    """A mentor of `kind` fills a place the mentee still has."""
    return left.count > 0 and (not left.kinds or kind in left.kinds)


def may_add(session: Session, mentee: Person, mentor: Person) -> bool:
    """The mentor may become one more of the mentee's mentors now: not one already, and filling a place the
    mentee still has. The mentee's row is locked first, so that an accept and a round's publish adding a mentor
    at the same moment see each other's pair (on SQLite every write transaction already runs alone)."""
    session.refresh(mentee, with_for_update=True)
    program = session.get_one(Program, mentee.program_id)
    partners = live_partners(session, program, [mentee.id])[mentee.id]
    if any(p.person_id == mentor.id for p in partners):
        return False
    kind = mentor_kind(mentor.answers or {}, kinds_question(program))
    return fills(left_after(wanted_by(mentee, program), partners), kind)
