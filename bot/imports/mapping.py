"""Which column of a sign-up sheet holds what, and what its messy cells mean.

A mapping is proposed from each header's words (keyword rules and fuzzy likeness to known phrasings, or to the
program's own questions) and from a sample of its values (an @ in most cells says email). The cleaning
functions read one cell: lists, "none" answers, roles, capacities, time zones and answers to a question.
"""

from __future__ import annotations

import enum
import re
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from rapidfuzz import fuzz, process, utils

from bot.imports.sheet import Sheet
from bot.profiles import MAX_CAPACITY, MAX_TAG_LENGTH
from bot.programs import MAX_MENTORS_PER_MENTEE
from bot.questions import MAX_TEXT_ANSWER, Kind, Question
from bot.text import cut, parse_mention, squash
from storage.vocabulary import Role


class Target(enum.StrEnum):
    """What a column can hold, besides the answer to one of the program's questions."""

    NAME = "name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"
    SLACK_ID = "slack_id"
    HANDLE = "handle"
    ROLE = "role"
    TOPICS_OFFERED = "topics_offered"
    TOPICS_WANTED = "topics_wanted"
    CAPACITY = "capacity"
    MENTORS_WANTED = "mentors_wanted"
    TIMEZONE = "timezone"
    DEPARTMENT = "department"
    MANAGER_EMAIL = "manager_email"
    PREFERRED_PEOPLE = "preferred_people"
    AVOID_PEOPLE = "avoid_people"


IDENTIFYING = (Target.SLACK_ID, Target.EMAIL, Target.HANDLE, Target.NAME, Target.FIRST_NAME, Target.LAST_NAME)
# Read from one header each: two columns of addresses or names could say two different people.
ONE_HEADER = (*IDENTIFYING, Target.MANAGER_EMAIL)
QUESTION_PREFIX = "question."
MIN_CONFIDENCE = 0.6
SAMPLE_ROWS = 200
# Choices and places an answer may be a typo away from; below this likeness it is someone else's word.
_NEAR_MATCH = 90


def question_target(question: Question) -> str:
    return QUESTION_PREFIX + question.key


def targets_for(questions: Sequence[Question]) -> list[str]:
    """Everything a column can be read as: the importer's own targets, then the program's questions."""
    return [*Target, *(question_target(q) for q in questions)]


# --- Reading one cell -------------------------------------------------------------------------------------------

_QUOTES = "\"'“”‘’`"
_NONE_ANSWERS = frozenset(
    {"", "no", "np", "nope", "n/a", "na", "n.a", "n a", "-", "--", "—", "–", "none", "nobody", "no one", "noone"}
    | {"nil", "null", "nothing", "not applicable", "no preference", "no one in particular", "none really", "x", "?"}
)
_LIST_SPLIT = re.compile(r"[;,\n]+|\s+and\s+", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_SLACK_ID = re.compile(r"[UW][A-Z0-9]{8,}")


def is_none_answer(text: str) -> bool:
    """A cell that says "nobody" or "nothing" in one of the ways people type it, including typos such as "Np"."""
    return squash(text.strip(_QUOTES + " .!")).strip(_QUOTES).casefold() in _NONE_ANSWERS


def split_list(text: str) -> list[str]:
    """The items of a list cell (split on `;`, `,`, new lines and " and "), trimmed, without "none" answers or
    repeats, in the order given."""
    items: list[str] = []
    for part in _LIST_SPLIT.split(text):
        item = squash(part.strip(_QUOTES + " "))
        if not is_none_answer(item) and item.casefold() not in (i.casefold() for i in items):
            items.append(item)
    return items


def parse_topics(text: str) -> list[str]:
    """Topics as the join modal stores them: lower-cased, without repeats, each cut to the length a tag may have."""
    return list(dict.fromkeys(cut(item.lower(), MAX_TAG_LENGTH) for item in split_list(text)))


def as_email(text: str) -> str:
    """The address in the cell, lower-cased (addresses are matched without case), or ""."""
    clean = text.strip().removeprefix("mailto:").strip("<>").casefold()
    return clean if _EMAIL.fullmatch(clean) else ""


def as_slack_id(text: str) -> str:
    """A Slack user ID written bare (`U0123ABCD`) or as a mention (`<@U0123ABCD|ana>`), or ""."""
    clean = text.strip()
    mention = parse_mention(clean)
    if mention:
        return mention
    return clean if _SLACK_ID.fullmatch(clean) else ""


_BOTH = re.compile(
    r"\bboth\b|\beither\b|mentor\w*\s*(?:&|and|/|\+|or|,)\s*(?:a\s+)?mentee|mentee\w*\s*(?:&|and|/|\+|or|,)\s*(?:a\s+)?mentor"
)
_MENTEE = re.compile(
    r"\bmentee\b|\bbe(?:ing)?\s+mentored\b|\b(?:want|like|need|find|get|have|looking for|seeking)\s+(?:a\s+)?mentor\b"
)
_MENTOR = re.compile(r"\bmentors?\b|\bmentoring\s+(?:others|someone|people)\b")


def parse_role(text: str) -> Role | None:
    """The role in free text ("I'd like to mentor", "Be mentored", "mentor & mentee"), or None if unreadable."""
    clean = squash(text).casefold().replace("’", "'")
    for pattern, role in ((_BOTH, Role.BOTH), (_MENTEE, Role.MENTEE), (_MENTOR, Role.MENTOR)):
        if pattern.search(clean):
            return role
    return None


_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "a couple": 2,
    "couple": 2,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)?|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b")


def parse_capacity(text: str) -> tuple[int | None, str]:
    """How many mentees: ("2 mentees" → 2, "two" → 2, "" → None), or what is wrong ("“lots” is not a number").

    Of a range ("1-2", "2 or 3") the lower number is kept: a mentor is never given more than they offered.
    """
    return _count(text, MAX_CAPACITY, "mentees is more than the {most} a mentor may take")


def parse_mentors_wanted(text: str) -> tuple[int | None, str]:
    """How many mentors a mentee would like, read like a capacity (the lower number of a range)."""
    return _count(text, MAX_MENTORS_PER_MENTEE, "mentors is more than the {most} a mentee may have")


def _count(text: str, most: int, too_many: str) -> tuple[int | None, str]:
    clean = squash(text).casefold()
    if is_none_answer(clean):
        return None, ""
    found = [m.group(0) for m in _NUMBERS.finditer(clean)]
    if not found:
        return None, f"“{cut(squash(text), 40)}” is not a number"
    numbers = [_NUMBER_WORDS[f] if f in _NUMBER_WORDS else float(f.replace(",", ".")) for f in found]
    lowest = min(numbers)
    if not float(lowest).is_integer():
        return None, f"“{cut(squash(text), 40)}” is not a whole number"
    if lowest > most:
        return None, f"{lowest:g} " + too_many.format(most=most)
    return int(lowest), ""


# Places people write that are not in the time-zone database under their own name.
_PLACES = {
    "utc": "UTC",
    "gmt": "UTC",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "bst": "Europe/London",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver",
    "mountain": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
    "nyc": "America/New_York",
    "new york city": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "atlanta": "America/New_York",
    "miami": "America/New_York",
    "austin": "America/Chicago",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "sf": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "bay area": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "munich": "Europe/Berlin",
    "münchen": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "germany": "Europe/Berlin",
    "lyon": "Europe/Paris",
    "france": "Europe/Paris",
    "barcelona": "Europe/Madrid",
    "spain": "Europe/Madrid",
    "milan": "Europe/Rome",
    "italy": "Europe/Rome",
    "rotterdam": "Europe/Amsterdam",
    "netherlands": "Europe/Amsterdam",
    "geneva": "Europe/Zurich",
    "krakow": "Europe/Warsaw",
    "poland": "Europe/Warsaw",
    "porto": "Europe/Lisbon",
    "portugal": "Europe/Lisbon",
    "ireland": "Europe/Dublin",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "uk": "Europe/London",
    "united kingdom": "Europe/London",
    "england": "Europe/London",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "pune": "Asia/Kolkata",
    "hyderabad": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "india": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "shenzhen": "Asia/Shanghai",
    "japan": "Asia/Tokyo",
    "montreal": "America/Toronto",
    "ottawa": "America/Toronto",
    "rio de janeiro": "America/Sao_Paulo",
}
_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?")
_PLACE_PARTS = re.compile(r"[,/()|;–—-]+")


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone by its case-folded name, and each regional zone by its city ("new york", "buenos aires")."""
    zones = zoneinfo.available_timezones()
    names = {zone.casefold(): zone for zone in zones}
    for zone in sorted(zones):
        region, _, city = zone.rpartition("/")
        if region and region.split("/")[0] in {"Africa", "America", "Asia", "Atlantic", "Australia", "Europe"}:
            names.setdefault(city.replace("_", " ").casefold(), zone)
    return names | _PLACES


@cache
def _place_names() -> tuple[str, ...]:
    return tuple(_zone_names())


def parse_timezone(text: str) -> str | None:
    """An IANA time zone from a zone name, a city, a country with one zone, an abbreviation or a whole-hour
    offset ("Berlin, Germany" → Europe/Berlin); None when the place can't be told (e.g. "Remote")."""
    clean = squash(text).casefold()
    if is_none_answer(clean):
        return None
    names = _zone_names()
    offset = _OFFSET.fullmatch(clean)
    if offset and int(offset.group(2)) <= 14:
        hours = int(offset.group(2))
        # The Etc zones count the other way: UTC+2 is Etc/GMT-2.
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if offset.group(1) == '+' else '+'}{hours}"
    parts = [clean, *(squash(p) for p in _PLACE_PARTS.split(clean))]
    for part in parts:
        words = part.split()
        for size in range(min(3, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                zone = names.get(" ".join(words[start : start + size]))
                if zone:
                    return zone
    for part in parts:
        if len(part) >= 5:
            near = process.extractOne(part, _place_names(), scorer=fuzz.ratio, score_cutoff=_NEAR_MATCH)
            if near is not None:
                return names[near[0]]
    return None


def parse_answer(question: Question, text: str) -> tuple[str | list[str] | None, str]:
    """The answer to one of the program's questions as the join modal stores it, or what is wrong with it.

    Choices are matched without case and forgiving a typo ("Lodnon" → London); an answer that is none of the
    choices is a problem, never silently dropped.
    """
    if question.kind is Kind.TEXT:
        clean = squash(text)
        return (cut(clean, MAX_TEXT_ANSWER) if clean and not is_none_answer(clean) else None), ""
    items = split_list(text) if question.kind is Kind.MULTIPLE else [squash(text)]
    items = [item for item in items if not is_none_answer(item)]
    chosen = [_choice(question, item) for item in items]
    unknown = [item for item, choice in zip(items, chosen, strict=True) if choice is None]
    if unknown:
        return None, f"“{cut(unknown[0], 40)}” is not one of {', '.join(question.choices)}"
    answers = [choice for choice in dict.fromkeys(chosen) if choice is not None]
    if question.kind is Kind.MULTIPLE:
        return answers, ""
    return (answers[0] if answers else None), ""


def _choice(question: Question, item: str) -> str | None:
    for choice in question.choices:
        if choice.casefold() == item.casefold():
            return choice
    near = process.extractOne(
        item, question.choices, scorer=fuzz.ratio, processor=utils.default_process, score_cutoff=_NEAR_MATCH
    )
    return None if near is None else near[0]


def merged_value(row: Sequence[str], columns: Sequence[int]) -> str:
    """The first answer among columns holding the same thing (a form's mentor block and mentee block): the
    first that says something, else the first "none" answer, else ""."""
    filled = [row[c].strip() for c in columns if row[c].strip()]
    return next((value for value in filled if not is_none_answer(value)), filled[0] if filled else "")


# --- Proposing a mapping ----------------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    {
        "an",
        "and",
        "any",
        "are",
        "as",
        "be",
        "can",
        "could",
        "do",
        "does",
        "eg",
        "etc",
        "for",
        "from",
        "if",
        "in",
        "is",
        "it",
        "like",
        "me",
        "my",
        "of",
        "on",
        "or",
        "other",
        "others",
        "our",
        "please",
        "separate",
        "comma",
        "commas",
        "that",
        "the",
        "this",
        "to",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "with",
        "would",
        "you",
        "your",
        "yours",
    }
)
_ASIDES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORDS = re.compile(r"[^\W_]{2,}")


def _core(text: str) -> str:
    """The words of a header that carry its meaning: no asides in brackets, no filler words."""
    words = _WORDS.findall(_ASIDES.sub(" ", text.casefold()))
    return " ".join(word for word in words if word not in _STOPWORDS)


def _likeness(header: str, phrasing: str) -> float:
    """0–1. token_set_ratio alone rates "email" against "manager email" 100 (a subset), so it is averaged with
    token_sort_ratio, which counts the words one of them lacks."""
    if not header or not phrasing:
        return 0.0
    return (fuzz.token_set_ratio(header, phrasing) + fuzz.token_sort_ratio(header, phrasing)) / 200


def _without_keyword(likeness: float) -> float:
    """Likeness alone counts only well above chance: two unrelated words already score about 0.5."""
    return max(0.0, 2 * likeness - 1)


def _is_capacity(value: str) -> bool:
    number, problem = parse_capacity(value)
    return number is not None and not problem


def _is_mentor_count(value: str) -> bool:
    number, problem = parse_mentors_wanted(value)
    return number is not None and not problem


def _is_name(value: str) -> bool:
    return "@" not in value and not any(c.isdigit() for c in value) and 0 < len(value.split()) <= 4


@dataclass(frozen=True)
class _Clue:
    """How a header and its values point at one target."""

    target: Target
    keywords: str
    phrasings: tuple[str, ...]
    excluded: str = ""
    evidence: Callable[[str], bool] | None = None
    # How far the values alone can go without the header's words: an @ in every cell says email, but numbers
    # 0–10 don't say capacity, nor a list of names whom to avoid.
    evidence_alone: float = 0.0


_CLUES = (
    _Clue(
        Target.SLACK_ID,
        r"slack\s*(?:member\s*|user\s*)?id|member id|user id",
        ("slack id", "slack member id", "slack user id", "slack"),
        evidence=lambda v: bool(as_slack_id(v)),
        evidence_alone=0.8,
    ),
    _Clue(
        Target.HANDLE,
        r"handle|user ?name|display name|slack name|@",
        ("slack handle", "slack username", "display name", "slack"),
        evidence=lambda v: v.startswith("@") and not as_email(v),
        evidence_alone=0.7,
    ),
    _Clue(
        Target.EMAIL,
        r"e-?mail",
        ("email", "email address", "work email"),
        excluded=r"manager|supervisor|reports? to|boss",
        evidence=lambda v: bool(as_email(v)),
        evidence_alone=0.75,
    ),
    _Clue(
        Target.MANAGER_EMAIL,
        r"manager|supervisor|reports? to|boss",
        ("manager email", "manager", "line manager", "reports to"),
        evidence=lambda v: bool(as_email(v)),
    ),
    _Clue(
        Target.NAME,
        r"\bname\b",
        ("name", "full name", "your name", "employee name"),
        excluded=r"first|last|given|family|surname|user ?name|display|slack|manager|team|department|company|"
        r"program|project|prefer|avoid|rather|match|pair|nick",
        evidence=_is_name,
    ),
    _Clue(Target.FIRST_NAME, r"first name|given name|forename", ("first name", "given name")),
    _Clue(Target.LAST_NAME, r"last name|surname|family name", ("last name", "surname", "family name")),
    _Clue(
        Target.ROLE,
        r"\brole\b|mentor.*mentee|mentee.*mentor|participate as|sign(?:ing)? up as|join as",
        ("role", "mentor mentee both", "participate as", "would you like to be a mentor or a mentee"),
        evidence=lambda v: parse_role(v) is not None,
        evidence_alone=0.7,
    ),
    _Clue(
        Target.TOPICS_OFFERED,
        r"help (?:others|people|someone)|(?:could|can) you (?:help|teach|offer|share|mentor)|expertise|strengths|"
        r"skills? (?:to|you can) (?:share|offer)|topics? .*(?:offer|teach|mentor)|(?:offer|teach|give)",
        ("topics you can help others with", "expertise", "areas of expertise", "skills to share", "can offer"),
    ),
    _Clue(
        Target.TOPICS_WANTED,
        r"learn|grow|develop|improve|get better|goals?\b|want help|(?:like|need) help|help with(?! others)|"
        r"interests?\b|topics? .*(?:want|need)",
        ("what would you like to learn", "topics to grow in", "goals", "want help with", "areas to develop"),
    ),
    _Clue(
        Target.CAPACITY,
        r"how many (?:mentees|people|persons?)|capacity|(?:max(?:imum)?|number of) (?:mentees|people)",
        ("how many mentees can you take on", "capacity", "max mentees", "number of mentees"),
        evidence=_is_capacity,
    ),
    _Clue(
        Target.MENTORS_WANTED,
        r"how many mentors|number of mentors|mentors? (?:do you|would you) (?:want|like)|more than one mentor",
        ("how many mentors would you like", "number of mentors", "mentors wanted"),
        evidence=_is_mentor_count,
    ),
    _Clue(
        Target.TIMEZONE,
        r"time ?zone|\btz\b|where are you (?:based|located)|location|city|based in|country",
        ("time zone", "location", "where are you based", "city"),
        evidence=lambda v: parse_timezone(v) is not None,
    ),
    _Clue(
        Target.DEPARTMENT,
        r"department|\bdept\b|\bteam\b|business unit|division|function|organi[sz]ation",
        ("department", "team", "business unit", "division"),
        excluded=r"manager|supervisor",
    ),
    _Clue(
        Target.PREFERRED_PEOPLE,
        r"prefer|(?:like|want|love) to (?:be )?(?:matched|paired|work) with|especially|in particular|wish ?list",
        ("preferred mentor", "anyone you would like to be matched with", "preferred people"),
        excluded=r"not|avoid|rather|don'?t|preferred name|nickname|pronoun|language",
    ),
    _Clue(
        Target.AVOID_PEOPLE,
        r"avoid|rather not|not (?:be )?(?:matched|paired)|don'?t (?:want )?(?:to )?(?:be )?(?:match|pair)|"
        r"do not match|exclude|conflicts? of interest",
        ("anyone you would rather not be matched with", "avoid", "do not match with", "people to avoid"),
    ),
)
_PHRASING_CORES = {clue.target: tuple(_core(p) for p in clue.phrasings) for clue in _CLUES}


# What an admin chose for the headers they were shown: each header's first column → its target ("" to ignore it).
Choices = dict[int, str]


@dataclass(frozen=True)
class Mapping:
    """Target → the columns holding it (several when a form repeats a question per role section), how sure the
    proposal is of each, the columns nothing was found in, and the labels of the sheet it was made for."""

    columns: dict[str, list[int]]
    confidence: dict[str, float]
    unmapped: list[int]
    headers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-able dict, to remember the mapping for the program's next import."""
        return {
            "headers": list(self.headers),
            "columns": {target: list(cols) for target, cols in self.columns.items()},
            "confidence": dict(self.confidence),
            "unmapped": list(self.unmapped),
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Mapping:
        return cls(
            columns={str(t): [int(c) for c in cols] for t, cols in stored.get("columns", {}).items()},
            confidence={str(t): float(v) for t, v in stored.get("confidence", {}).items()},
            unmapped=[int(c) for c in stored.get("unmapped", [])],
            headers=[str(h) for h in stored.get("headers", [])],
        )

    def assign(self, target: str, columns: Sequence[int]) -> Mapping:
        """The mapping with `columns` holding `target` as the admin chose (confidence 1), taken from any other."""
        chosen = sorted(set(columns))
        kept = {t: [c for c in cols if c not in chosen] for t, cols in self.columns.items() if t != target}
        kept = {t: cols for t, cols in kept.items() if cols}
        if chosen:
            kept[target] = chosen
        confidence = {t: self.confidence.get(t, 1.0) for t in kept} | ({target: 1.0} if chosen else {})
        used = {c for cols in kept.values() for c in cols}
        every = set(self.unmapped) | {c for cols in self.columns.values() for c in cols}
        return Mapping(kept, confidence, sorted(every - used), list(self.headers))

    def choose(self, groups: Sequence[Sequence[int]], choices: Choices) -> Mapping:
        """The mapping with each header the admin chose for (named by its first column, see `Choices`) read as
        they chose, every column of it (confidence 1); the other headers as they were."""
        chosen = {column: choices[group[0]] for group in groups if group[0] in choices for column in group}
        touched = {t for t, cols in self.columns.items() if chosen.keys() & set(cols)} | set(chosen.values())
        mapping = self
        for target in sorted(touched - {""}):
            kept = [c for c in self.columns.get(target, []) if c not in chosen]
            mapping = mapping.assign(target, kept + [c for c, t in chosen.items() if t == target])
        return mapping


def header_groups(sheet: Sheet) -> list[list[int]]:
    """The columns of each header, in the sheet's order: a header a form repeats (one block of questions per role
    section) is one header of several columns."""
    groups: dict[str, list[int]] = {}
    for index, original in enumerate(sheet.original_headers or sheet.headers):
        groups.setdefault(squash(original).casefold(), []).append(index)
    return list(groups.values())


def propose_mapping(sheet: Sheet, questions: Sequence[Question] = ()) -> Mapping:
    """Each set of same-named columns goes to the target its header and sample values point at most strongly,
    if that is at least MIN_CONFIDENCE; the rest stay unmapped for the admin."""
    originals = sheet.original_headers or sheet.headers
    sample = sheet.rows[:SAMPLE_ROWS]
    columns: dict[str, list[int]] = {}
    confidence: dict[str, float] = {}
    for indexes in header_groups(sheet):
        header = squash(originals[indexes[0]]).casefold()
        values = [v for row in sample for c in indexes if (v := row[c].strip()) and not is_none_answer(v)]
        scores = _scores(header, values, questions)
        target, score = max(scores.items(), key=lambda item: item[1], default=("", 0.0))
        if score >= MIN_CONFIDENCE:
            columns.setdefault(target, []).extend(indexes)
            confidence[target] = round(min(confidence.get(target, 1.0), score), 2)
    used = {c for cols in columns.values() for c in cols}
    unmapped = [c for c in range(len(sheet.headers)) if c not in used]
    return Mapping({t: sorted(cols) for t, cols in columns.items()}, confidence, unmapped, list(sheet.headers))


def _scores(header: str, values: list[str], questions: Sequence[Question]) -> dict[str, float]:
    """Every target's score for one header and its values, in 0–1; earlier targets win ties."""
    core = _core(header)
    scores: dict[str, float] = {}
    for clue in _CLUES:
        if clue.excluded and re.search(clue.excluded, header):
            continue
        likeness = max(_likeness(core, phrasing) for phrasing in _PHRASING_CORES[clue.target])
        hinted = 0.85 + 0.1 * likeness if re.search(clue.keywords, header) else _without_keyword(likeness)
        scores[clue.target] = _weighed(hinted, values, clue.evidence, clue.evidence_alone)
    for question in questions:
        likeness = _without_keyword(_likeness(core, _core(question.text)))
        offered = None if question.kind is Kind.TEXT else partial(_answers, question)
        scores[question_target(question)] = _weighed(likeness, values, offered, 0.0)
    return scores


def _answers(question: Question, value: str) -> bool:
    """The value is one of the question's choices (or a list of them)."""
    return not parse_answer(question, value)[1]


def _weighed(hinted: float, values: list[str], evidence: Callable[[str], bool] | None, alone: float) -> float:
    """The header's score scaled by how many values look right (half of it when none do), or what the values
    alone are worth."""
    if evidence is None or not values:
        return hinted
    share = sum(1 for value in values if evidence(value)) / len(values)
    return max(hinted * (0.5 + 0.5 * share), alone * share)


def apply_remembered(headers: Sequence[str], remembered: dict[str, Any] | None) -> Mapping | None:
    """The program's stored mapping moved onto this sheet's columns when every header it used is still there
    (in any order, new columns left unmapped); None when a header it used is gone, so a proposal is needed."""
    if not remembered:
        return None
    stored = Mapping.from_dict(remembered)
    position = {label.casefold(): index for index, label in enumerate(headers)}
    columns: dict[str, list[int]] = {}
    for target, cols in stored.columns.items():
        found = [position.get(stored.headers[c].casefold()) if c < len(stored.headers) else None for c in cols]
        if any(index is None for index in found):
            return None
        columns[target] = sorted(index for index in found if index is not None)
    used = {c for cols in columns.values() for c in cols}
    unmapped = [c for c in range(len(headers)) if c not in used]
    return Mapping(columns, {t: 1.0 for t in columns}, unmapped, list(headers))


@dataclass(frozen=True)
class HeaderRead:
    """One header of a sheet with every column it labels, what they are read as ("" for nothing), how sure that
    is (0–1), and a value from them to recognise the column by ("" when every cell is blank)."""

    label: str
    columns: list[int]
    target: str
    confidence: float
    sample: str


def headers_read(sheet: Sheet, mapping: Mapping) -> list[HeaderRead]:
    """Each header of the sheet, in its order, as the mapping reads it."""
    target_of = {column: target for target, columns in mapping.columns.items() for column in columns}
    sample = sheet.rows[:SAMPLE_ROWS]
    reads = []
    for group in header_groups(sheet):
        target = target_of.get(group[0], "")
        value = next((v for row in sample for c in group if (v := squash(row[c])) and not is_none_answer(v)), "")
        confidence = mapping.confidence.get(target, 1.0) if target else 0.0
        reads.append(HeaderRead(sheet.headers[group[0]], list(group), target, confidence, value))
    return reads


def clashes(targets: Sequence[str]) -> dict[int, int]:
    """Each position whose target is one a single header may hold (`ONE_HEADER`) and an earlier position already
    holds → that earlier position."""
    first: dict[str, int] = {}
    found: dict[int, int] = {}
    for position, target in enumerate(targets):
        if target not in ONE_HEADER:
            continue
        if target in first:
            found[position] = first[target]
        else:
            first[target] = position
    return found


def identifies(targets: Iterable[str]) -> bool:
    """Some column says who each row is."""
    return any(target in IDENTIFYING for target in targets)


def target_named(name: str, questions: Sequence[Question]) -> str | None:
    """The target an operator names: a target as stored ("topics_offered", "question.q1") or spelt with spaces
    ("topics offered"), a question's key ("q1"), or "ignore" for none (""); None when it names nothing."""
    word = "_".join(squash(name).casefold().replace("-", " ").split())
    if word in ("ignore", "none", ""):
        return ""
    known = {target.casefold(): target for target in targets_for(questions)}
    return known.get(word) or known.get(QUESTION_PREFIX + word)


def choices_named(
    headers: Sequence[HeaderRead], named: Sequence[tuple[str, str]], questions: Sequence[Question]
) -> tuple[Choices, list[str]]:
    """The choices an operator wrote as (header, target) pairs, headers matched without case; and each pair that
    names no header or no target, as it was written."""
    by_label = {squash(header.label).casefold(): header for header in headers}
    choices: Choices = {}
    unknown: list[str] = []
    for label, name in named:
        header = by_label.get(squash(label).casefold())
        target = target_named(name, questions)
        if header is None or target is None:
            unknown.append(f"{label}={name}")
        else:
            choices[header.columns[0]] = target
    return choices, unknown
