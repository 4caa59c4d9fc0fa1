"""Several mentors per mentee: how many mentors a mentee wants (or one of each kind they picked), and what they
still want once their live pairs are counted. Find, requests, accepts and rounds all ask here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.pairs import LIVE
from bot.programs import view_of_program
from bot.questions import Question, answer_set, kind_question
from bot.round_plan import Wanted
from storage.models import Pair, Person, Program


def mentor_kind(answers: Mapping[str, object], question: Question | None) -> str:
    """The kind of mentor someone is: their answer to the program's question of kinds ("" when none)."""
    if question is None:
        return ""
    chosen = sorted(answer_set(answers.get(question.key)))
    return chosen[0] if chosen else ""


def kinds_question(program: Program) -> Question | None:
    """The program's question of mentor kinds, when it allows several mentors and has one."""
    if program.mentors_per_mentee <= 1:
        return None
    return kind_question(view_of_program(program).questions)


def wanted_by(person: Person, program: Program) -> Wanted:
    """All a mentee wants in this program: one of each kind they picked, else a number of mentors (at most the
    program's limit, at least one)."""
    limit = max(1, program.mentors_per_mentee)
    question = kinds_question(program)
    if question is not None:
        kinds = tuple(k for k in dict.fromkeys(person.mentor_kinds_wanted or []) if k in question.choices)[:limit]
        if kinds:
            return Wanted(len(kinds), kinds)
    return Wanted(max(1, min(person.mentors_wanted or 1, limit)))


def still_wanted(wanted: Wanted, partner_kinds: Sequence[str]) -> Wanted:
    """What is left of `wanted` once the mentee has live mentors of `partner_kinds` (one entry per mentor)."""
    left = max(0, wanted.count - len(partner_kinds))
    if not wanted.kinds:
        return Wanted(left)
    missing = tuple(k for k in wanted.kinds if k not in partner_kinds)[:left]
    return Wanted(len(missing), missing)


def partners_kinds(session: Session, program: Program, mentee_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each mentee's live mentors, as their kinds (one entry per mentor), in one query."""
    ids = list(mentee_ids)
    found: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    question = kinds_question(program)
    rows = session.execute(
        select(Pair.mentee_id, Person.answers)
        .join(Person, Person.id == Pair.mentor_id)
        .where(Pair.mentee_id.in_(ids), Pair.status.in_(LIVE))
    )
    for mentee_id, answers in rows:
        found[mentee_id].append(mentor_kind(answers or {}, question))
    return found


def left_for(session: Session, person: Person, program: Program) -> Wanted:
    """What one mentee still wants in their program."""
    return still_wanted(wanted_by(person, program), partners_kinds(session, program, [person.id])[person.id])


def fills(left: Wanted, kind: str) -> bool:
    """A mentor of `kind` fills a place the mentee still has."""
    return left.count > 0 and (not left.kinds or kind in left.kinds)
