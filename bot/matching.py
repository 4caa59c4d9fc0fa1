"""Match scoring (pure): how well a mentor fits a mentee, and the plain-words reasons, what is missing included.

A score is a weighted mean of factors in [0, 1] (topics, seniority, shared working hours, free capacity,
language, department, and the program's sign-up questions that count in matching). `bot.mentor_pool`
computes the same numbers for a whole pool at once; `bot.round_plan` assigns a whole program optimally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.questions import Question, compare_answers, kind_answer

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "topics": 0.40,
    "seniority": 0.15,
    "hours": 0.20,
    "capacity": 0.10,
    "language": 0.10,
    "department": 0.05,
    # The program's questions (`bot.questions`); a program that asks some weighs them (`question_weight`).
    "questions": 0.0,
}
QUESTIONS_WEIGHT_EACH = 0.1
# Added to the fit (up to 1) when either one named the other as someone they'd like to be matched with: a soft
# preference, never a hard rule, and never shown as a reason (who named whom stays private).
PREFERRED_BONUS = 0.1
FACTORS = tuple(DEFAULT_WEIGHTS)
FULL_HOURS_OVERLAP = 3.0
SCORE_UNITS = 10_000  # scores carry four decimals, so a round is solved and proven in exact integers
# Below this score a match is shown as a weak fit: worth a look only when nobody fits better.
WEAK_FIT = 0.5
# Synonyms and abbreviations people commonly type, folded to one spelling.
SYNONYMS: Mapping[str, str] = {
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "js": "javascript",
    "ts": "typescript",
    "py": "python",
    "k8s": "kubernetes",
    "pm": "product management",
    "ux": "user experience",
    "ui": "user interface",
    "presenting": "public speaking",
    "presentations": "public speaking",
    "leadership": "leading a team",
    "people management": "leading a team",
    "management": "leading a team",
    "career": "career growth",
    "career development": "career growth",
}
_SEPARATORS = re.compile(r"[\s_\-/]+")
_REFERENCE_DAY = date(2026, 1, 7)  # a Wednesday away from any DST switch


def normalise_topic(tag: str) -> str:
    """Case, spacing, hyphens and common synonyms folded, so "ML", "machine-learning" and "ml" agree."""
    folded = _SEPARATORS.sub(" ", tag.lower()).strip()
    return SYNONYMS.get(folded, folded)


def topic_set(tags: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_topic(t) for t in tags if t.strip())


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know about one person."""

    person_id: int
    user_id: str
    name: str
    seniority: int
    timezone: str
    work_start_minute: int
    work_end_minute: int
    expertise: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    free_slots: int = 0
    capacity: int = 0
    languages: frozenset[str] = frozenset()
    department: str = ""
    do_not_match: frozenset[str] = frozenset()
    # Slack user IDs of the people they would like to be matched with (a soft preference).
    prefers: frozenset[str] = frozenset()
    active: bool = True
    # Answers to the program's questions: (question key, the chosen answers).
    answers: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def answer_map(self) -> dict[str, frozenset[str]]:
        return dict(self.answers)

    def kind(self, question_key: str) -> str:
        """The kind of mentor they are, by the program's question of kinds ("" for none, or no such question)."""
        return kind_answer(self.answer_map.get(question_key, ())) if question_key else ""


@dataclass(frozen=True)
class History:
    """Who the mentee is paired with now, was paired with before, and which mentors declined them."""

    current: frozenset[int] = frozenset()
    past: frozenset[int] = frozenset()
    declined: frozenset[int] = frozenset()
    # Mentors they were paired with in the cohort this one was cloned from: never again in this one.
    earlier_cohort: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Match:
    mentor: Candidate
    score: float
    reasons: tuple[str, ...]
    factors: Mapping[str, float] = field(default_factory=dict)
    repeat: bool = False
    # What this mentor does not offer the mentee (no shared topic, no shared hours, …), said as plainly.
    missing: tuple[str, ...] = ()

    @property
    def weak(self) -> bool:
        return self.score < WEAK_FIT


def prefer_each_other(mentee: Candidate, mentor: Candidate) -> bool:
    """Whether either named the other as someone they would like to be matched with."""
    return mentor.user_id in mentee.prefers or mentee.user_id in mentor.prefers


def question_weight(questions: Iterable[Question]) -> float:
    """The default weight of a program's questions: 0.1 for each unit of weight the admin gave them."""
    return round(QUESTIONS_WEIGHT_EACH * sum(q.weight for q in questions if q.counts), 4)


def allowed(mentee: Candidate, mentor: Candidate, history: History, questions: tuple[Question, ...] = ()) -> bool:
    """The hard rules: never yourself, a paused person, a do-not-match, a current partner, a mentor who
    declined this mentee, a full mentor, or a different answer to a *must match* question."""
    if questions and compare_answers(questions, mentee.answer_map, mentor.answer_map).blocked:
        return False
    return (
        mentee.person_id != mentor.person_id
        and mentee.active
        and mentor.active
        and mentor.free_slots > 0
        and mentor.user_id not in mentee.do_not_match
        and mentee.user_id not in mentor.do_not_match
        and mentor.person_id not in history.current
        and mentor.person_id not in history.declined
        and mentor.person_id not in history.earlier_cohort
    )


@lru_cache(maxsize=1024)
def utc_offset_minutes(timezone: str) -> int:
    """The zone's offset from UTC on a reference weekday (unknown zones count as UTC)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    offset = datetime.combine(_REFERENCE_DAY, time(12), zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def utc_window(person: Candidate) -> tuple[int, int]:
    """The working day in minutes after midnight UTC of the reference day (may be negative or past 1440)."""
    offset = utc_offset_minutes(person.timezone)
    end = person.work_end_minute + (1440 if person.work_end_minute <= person.work_start_minute else 0)
    return person.work_start_minute - offset, end - offset


def _overlap_minutes(a: tuple[int, int], b: tuple[int, int]) -> int:
    # A window can fall on the neighbouring UTC day, so compare against the other shifted by a day each way.
    return max(max(0, min(a[1], b[1] + shift) - max(a[0], b[0] + shift)) for shift in (-1440, 0, 1440))


def shared_hours(a: Candidate, b: Candidate) -> float:
    """Hours both people are at work on the same weekday, across their time zones."""
    return _overlap_minutes(utc_window(a), utc_window(b)) / 60


def seniority_fit(gap: int) -> float:
    if gap <= -1:
        return 0.0
    return {0: 0.2, 1: 1.0, 2: 1.0, 3: 0.6}.get(gap, 0.3)


def _seniority_reason(gap: int) -> str:
    """Career levels between them, judged by the rule the score uses: 1–2 levels above is best."""
    if gap in (1, 2):
        return f"{_plural(gap, 'level')} senior: a step ahead, close enough to remember it"
    if gap == 0:
        return "at the same level: more of a peer mentor"
    if gap < 0:
        return f"{_plural(-gap, 'level')} junior to you"
    return f"{_plural(gap, 'level')} senior: a big jump, so some advice may feel far from where you are"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def score(
    mentee: Candidate,
    mentor: Candidate,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    topic: str | None = None,
    questions: tuple[Question, ...] = (),
) -> Match:
    """The fit of `mentor` for `mentee` in [0, 1], with the reasons a person would find convincing."""
    wanted = mentee.goals | ({normalise_topic(topic)} if topic else frozenset())
    shared = sorted(wanted & mentor.expertise)
    factors: dict[str, float] = {"topics": len(shared) / len(wanted) if wanted else 0.0}
    gap = mentor.seniority - mentee.seniority
    factors["seniority"] = seniority_fit(gap)
    hours = shared_hours(mentee, mentor)
    factors["hours"] = min(hours, FULL_HOURS_OVERLAP) / FULL_HOURS_OVERLAP
    factors["capacity"] = mentor.free_slots / mentor.capacity if mentor.capacity else 0.0
    common_languages = sorted(mentee.languages & mentor.languages)
    if not mentee.languages or not mentor.languages:
        factors["language"] = 0.5
    else:
        factors["language"] = 1.0 if common_languages else 0.0
    different_department = bool(
        mentee.department and mentor.department and mentee.department.lower() != mentor.department.lower()
    )
    factors["department"] = 1.0 if different_department else 0.0
    answers = compare_answers(questions, mentee.answer_map, mentor.answer_map)
    factors["questions"] = answers.points / answers.weight if answers.weight else 0.0

    total_weight = sum(max(0.0, weights.get(f, 0.0)) for f in FACTORS) or 1.0
    value = sum(max(0.0, weights.get(f, 0.0)) * factors[f] for f in FACTORS) / total_weight
    if prefer_each_other(mentee, mentor):
        value = min(1.0, value + PREFERRED_BONUS)

    reasons: list[str] = []
    missing: list[str] = []
    if shared:
        reasons.append("both care about " + ", ".join(f"*{t}*" for t in shared))
    elif wanted:
        offered = ", ".join(f"*{t}*" for t in sorted(mentor.expertise)[:3]) or "nothing listed yet"
        missing.append(f"no shared topic: they help with {offered}")
    if hours >= 0.5:
        reasons.append(
            f"{hours:.0f} h of shared working hours" if hours >= 1 else "under an hour of shared working time"
        )
    else:
        missing.append("no shared working hours: meetings need an early or late slot")
    reasons_or_missing = reasons if 1 <= gap <= 2 else missing
    reasons_or_missing.append(_seniority_reason(gap))
    if common_languages:
        reasons.append("speak " + ", ".join(common_languages))
    elif mentee.languages and mentor.languages:
        missing.append("no shared language listed")
    if different_department:
        reasons.append("a view from another department")
    reasons.extend(answers.reasons)
    missing.extend(answers.missing)
    reasons.append(f"{_plural(mentor.free_slots, 'free slot')}")
    return Match(mentor=mentor, score=round(value, 4), reasons=tuple(reasons), factors=factors, missing=tuple(missing))
