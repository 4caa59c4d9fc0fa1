"""A program's sign-up questions (pure): how an admin writes them, the answers, and how they count in matching.

An admin writes one question per line: `Which office are you in? | Berlin, London, Remote | must match`.
The parts are the question, its choices (or `text` for a short free answer), and how a choice question counts
in matching: `same`, `different`, `overlap` or `must match`, optionally with a weight (`overlap 2`) and, for
several answers, `multiple`. One single-choice question may instead be `kind`: its answer is the kind of mentor
someone is (`What kind of mentor are you? | Peer, Senior | kind`), and in a program with several mentors per
mentee, mentees ask for one mentor of each kind they pick.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.text import squash

MAX_QUESTIONS = 8
MAX_QUESTION = 150
MAX_CHOICES = 10
MAX_CHOICE = 60
MAX_TEXT_ANSWER = 150
MAX_WEIGHT = 5.0
DEFAULT_WEIGHT = 1.0


class Kind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"


class Rule(enum.StrEnum):
    NONE = ""
    SAME = "same"
    DIFFERENT = "different"
    OVERLAP = "overlap"
    MUST_MATCH = "must_match"
    KIND = "kind"


_RULE_WORDS = {
    "same": Rule.SAME,
    "different": Rule.DIFFERENT,
    "overlap": Rule.OVERLAP,
    "must match": Rule.MUST_MATCH,
    "kind": Rule.KIND,
}


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: Kind
    choices: tuple[str, ...] = ()
    rule: Rule = Rule.NONE
    weight: float = DEFAULT_WEIGHT

    @property
    def counts(self) -> bool:
        """It counts in matching: a choice question with a rule (a question of kinds says who fills which place)."""
        return self.rule not in (Rule.NONE, Rule.KIND) and self.kind is not Kind.TEXT

    def stored(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "text": self.text,
            "kind": self.kind.value,
            "choices": list(self.choices),
            "rule": self.rule.value,
            "weight": self.weight,
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Question:
        return cls(
            key=str(stored["key"]),
            text=str(stored["text"]),
            kind=Kind(stored.get("kind", "single")),
            choices=tuple(str(c) for c in stored.get("choices", [])),
            rule=Rule(stored.get("rule", "")),
            weight=float(stored.get("weight", DEFAULT_WEIGHT)),
        )

    def as_line(self) -> str:
        """The question as the admin writes it, so the form can show it again."""
        parts = [self.text, ", ".join(self.choices) if self.kind is not Kind.TEXT else "text"]
        if self.rule is not Rule.NONE:
            rule = "must match" if self.rule is Rule.MUST_MATCH else self.rule.value
            parts.append(rule if self.weight == DEFAULT_WEIGHT or self.rule is Rule.KIND else f"{rule} {self.weight:g}")
        if self.kind is Kind.MULTIPLE:
            parts.append("multiple")
        return " | ".join(parts)


def _rule_of(part: str) -> tuple[Rule, float] | str:
    words = part.split()
    weight = DEFAULT_WEIGHT
    if words and _is_number(words[-1]):
        weight = float(words.pop())
    rule = _RULE_WORDS.get(" ".join(words))
    if rule is None:
        return f"“{part}” is not a rule: use same, different, overlap, must match or kind."
    if rule is Rule.KIND and weight != DEFAULT_WEIGHT:
        return "a question of mentor kinds says who fills which place, so it takes no weight."
    if not 0 < weight <= MAX_WEIGHT:
        return f"A weight goes from more than 0 up to {MAX_WEIGHT:g}; “{part}” is outside that."
    return rule, weight


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _question(number: int, line: str) -> Question | str:
    parts = [squash(p) for p in line.split("|")]
    text = parts[0]
    if not text:
        return "the question itself is missing before the first |."
    if len(text) > MAX_QUESTION:
        return f"keep the question under {MAX_QUESTION} characters."
    multiple = any(p.lower() == "multiple" for p in parts[1:])
    # The parts after the question, in order, without the "multiple" marker (which may stand anywhere).
    given = [p for p in parts[1:] if p.lower() != "multiple"]
    rest = [p.lower() for p in given]
    if not rest:
        return "add its choices after a |, e.g. Berlin, London, Remote (or `text` for a short answer)."
    if rest[0] == "text":
        if len(rest) > 1:
            return "a short-text question can't count in matching; remove the rule or give choices."
        return Question(f"q{number}", text, Kind.TEXT)
    choices = tuple(dict.fromkeys(squash(c) for c in given[0].split(",") if squash(c)))
    if len(choices) < 2:
        return "a choice question needs at least two choices, separated by commas."
    if len(choices) > MAX_CHOICES or any(len(c) > MAX_CHOICE for c in choices):
        return f"keep it to {MAX_CHOICES} choices of under {MAX_CHOICE} characters each."
    rule, weight = Rule.NONE, DEFAULT_WEIGHT
    if len(rest) > 1:
        parsed = _rule_of(rest[1])
        if isinstance(parsed, str):
            return parsed
        rule, weight = parsed
    if len(rest) > 2:
        return "a question has at most three parts: question | choices | rule."
    if rule is Rule.KIND and multiple:
        return "a question of mentor kinds has one answer per person: remove `multiple`."
    return Question(f"q{number}", text, Kind.MULTIPLE if multiple else Kind.SINGLE, choices, rule, weight)


def parse_questions(raw: str) -> tuple[list[Question], str]:
    """The questions an admin wrote, one per line, or what is wrong with the first line that can't be read."""
    lines = [line for line in raw.splitlines() if line.strip()]
    if len(lines) > MAX_QUESTIONS:
        return [], f"Up to {MAX_QUESTIONS} questions per program; this has {len(lines)}."
    questions: list[Question] = []
    for number, line in enumerate(lines, start=1):
        parsed = _question(number, line)
        if isinstance(parsed, str):
            return [], f"Line {number}: {parsed}"
        if parsed.rule is Rule.KIND and kind_question(questions) is not None:
            return [], f"Line {number}: a program has one question of mentor kinds; this is a second."
        questions.append(parsed)
    return questions, ""


def kind_answer(chosen: Iterable[str]) -> str:
    """The kind of mentor an answer to the question of kinds says: its one choice ("" for none)."""
    return min(chosen, default="")


def kind_question(questions: Sequence[Question]) -> Question | None:
    """The question whose answer is the kind of mentor someone is, if the program has one."""
    return next((q for q in questions if q.rule is Rule.KIND), None)


def answer_set(answer: object) -> frozenset[str]:
    if isinstance(answer, str):
        return frozenset({answer}) if answer else frozenset()
    if isinstance(answer, list | tuple | set | frozenset):
        return frozenset(str(a) for a in answer)
    return frozenset()


@dataclass(frozen=True)
class QuestionFit:
    """How two people's answers to one question count: a share of its weight, a hard stop, and a reason."""

    points: float
    blocked: bool
    reason: str
    missing: str


def compare(question: Question, mine: object, theirs: object) -> QuestionFit:
    """Two people's answers under the question's rule; an unanswered question counts for nothing."""
    a, b = answer_set(mine), answer_set(theirs)
    if not question.counts:
        return QuestionFit(0.0, False, "", "")
    if not a or not b:
        blocked = question.rule is Rule.MUST_MATCH
        return QuestionFit(0.0, blocked, "", f"no answer to “{question.text}”" if blocked else "")
    shared = sorted(a & b)
    label = ", ".join(shared)
    if question.rule is Rule.MUST_MATCH:
        if not shared:
            return QuestionFit(0.0, True, "", f"different answers to “{question.text}”")
        return QuestionFit(1.0, False, f"both {label}", "")
    if question.rule is Rule.SAME:
        return QuestionFit(1.0, False, f"both {label}", "") if a == b else QuestionFit(0.0, False, "", "")
    if question.rule is Rule.DIFFERENT:
        if a.isdisjoint(b):
            return QuestionFit(1.0, False, f"different answers to “{question.text}”", "")
        return QuestionFit(0.0, False, "", f"the same answer to “{question.text}”")
    if not shared:
        return QuestionFit(0.0, False, "", f"nothing in common for “{question.text}”")
    return QuestionFit(len(shared) / len(a | b), False, f"both chose {label}", "")


@dataclass(frozen=True)
class AnswersFit:
    points: float
    weight: float
    blocked: bool
    reasons: tuple[str, ...]
    missing: tuple[str, ...]


def compare_answers(
    questions: tuple[Question, ...], mine: Mapping[str, object], theirs: Mapping[str, object]
) -> AnswersFit:
    """Every question that counts in matching, together: points out of the total weight, and the reasons."""
    points = weight = 0.0
    blocked = False
    reasons: list[str] = []
    missing: list[str] = []
    for question in questions:
        if not question.counts:
            continue
        fit = compare(question, mine.get(question.key), theirs.get(question.key))
        weight += question.weight
        points += question.weight * fit.points
        blocked = blocked or fit.blocked
        if fit.reason:
            reasons.append(fit.reason)
        if fit.missing:
            missing.append(fit.missing)
    return AnswersFit(points, weight, blocked, tuple(reasons), tuple(missing))


def validate_answers(questions: list[Question], answers: Mapping[str, object], mentors: bool = True) -> dict[str, str]:
    """Question key → what to change (every question is asked, the question of mentor kinds only of `mentors`; a
    choice must be one offered)."""
    errors: dict[str, str] = {}
    for question in questions:
        given = answers.get(question.key)
        if question.kind is Kind.TEXT:
            if isinstance(given, str) and len(given) > MAX_TEXT_ANSWER:
                errors[question.key] = f"Keep it under {MAX_TEXT_ANSWER} characters."
            continue
        chosen = answer_set(given)
        if not chosen and question.rule is Rule.KIND and not mentors:
            continue
        if not chosen:
            errors[question.key] = (
                "Mentors: pick the kind of mentor you are."
                if question.rule is Rule.KIND
                else "Pick an answer; it helps us match you well."
            )
        elif not chosen <= set(question.choices):
            errors[question.key] = "Pick one of the answers offered."
    return errors
