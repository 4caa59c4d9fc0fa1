"""Finding the Slack member a sheet means (by ID, email, handle, or a name close enough) in the workspace's users.

A name is matched only when it is unambiguous: the best score at least 90 and everyone else at least 5 points
below; otherwise the candidates are listed for the admin. Deactivated accounts and bots are never matched.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bot.imports.mapping import as_email, as_slack_id
from bot.text import cut, squash

ACCEPT_SCORE = 90.0
MIN_LEAD = 5.0
CANDIDATE_SCORE = 80.0
MAX_CANDIDATES = 5
# Names scored together: one score matrix of this many names × every member stays a few megabytes.
_BATCH = 256


@dataclass(frozen=True)
class DirectoryEntry:
    """One workspace member as `users.list` describes them."""

    user_id: str
    name: str
    real_name: str
    display_name: str
    email: str
    deleted: bool = False
    is_bot: bool = False

    @property
    def label(self) -> str:
        return self.real_name or self.display_name or self.name or self.user_id


class How(enum.StrEnum):
    ID = "id"
    EMAIL = "email"
    HANDLE = "handle"
    NAME = "name"
    NONE = "none"


@dataclass(frozen=True)
class Lookup:
    """What a sheet says about one person; any part may be empty."""

    email: str = ""
    slack_id: str = ""
    handle: str = ""
    name: str = ""

    @property
    def empty(self) -> bool:
        return not (self.email.strip() or self.slack_id.strip() or self.handle.strip() or self.name.strip())


@dataclass(frozen=True)
class Resolution:
    """Who a lookup found, how, and how sure (1.0 for an ID, email or handle); without a user, the `problem` in a
    sentence and the `candidates` (user ID, name, score 0–100). `final` when no choice can fix it: the account
    is deactivated or a bot."""

    user_id: str | None
    how: How
    confidence: float
    candidates: list[tuple[str, str, float]] = field(default_factory=list)
    problem: str = ""
    final: bool = False


def fold_name(text: str) -> str:
    """A name compared without case, accents, punctuation or word order: "Núñez, José" → "jose nunez"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return " ".join(sorted(words))


class Directory:
    """The workspace's members, indexed once for many lookups."""

    def __init__(self, entries: Iterable[DirectoryEntry]) -> None:
        self._by_id: dict[str, DirectoryEntry] = {}
        self._by_email: dict[str, DirectoryEntry] = {}
        self._by_handle: dict[str, list[str]] = {}
        self._by_name: dict[str, list[str]] = {}
        self._inactive_email: dict[str, DirectoryEntry] = {}
        for entry in entries:
            self._by_id[entry.user_id] = entry
            email = entry.email.casefold()
            if entry.deleted or entry.is_bot:
                if email:
                    self._inactive_email[email] = entry
                continue
            if email:
                self._by_email[email] = entry
            for handle in {entry.display_name.casefold(), entry.name.casefold()} - {""}:
                self._by_handle.setdefault(handle, []).append(entry.user_id)
            # A one-word display name ("ana") says little against full names and would only add near-misses.
            spellings = {fold_name(entry.real_name)} | (
                {fold_name(entry.display_name)} if " " in entry.display_name.strip() else set()
            )
            for spelling in spellings - {""}:
                self._by_name.setdefault(spelling, []).append(entry.user_id)
        # Folded once: the plain Indel ratio on folded, word-sorted names is token_sort_ratio without the
        # per-call processing, and cdist compares a batch of names against all of them at C++ speed.
        self._choices = list(self._by_name)
        self._choice_users = list(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def entries(self) -> list[DirectoryEntry]:
        """Every member, deleted and bot accounts included (as `users.list` gave them)."""
        return list(self._by_id.values())

    def entry(self, user_id: str) -> DirectoryEntry | None:
        return self._by_id.get(user_id)

    def resolve(self, email: str = "", slack_id: str = "", handle: str = "", name: str = "") -> Resolution:
        return self.resolve_many([Lookup(email, slack_id, handle, name)])[0]

    def resolve_many(self, lookups: Sequence[Lookup]) -> list[Resolution]:
        """Each lookup by Slack ID, email or handle; those left with a name are scored against every member
        together, which is several times faster than one name at a time."""
        exact = [self._exact(lookup) for lookup in lookups]
        pending = [i for i, found in enumerate(exact) if found is None and fold_name(lookups[i].name)]
        named = dict(zip(pending, self._by_names([squash(lookups[i].name) for i in pending]), strict=True))
        return [
            found if found is not None else self._by_name_only(lookup, named.get(index))
            for index, (lookup, found) in enumerate(zip(lookups, exact, strict=True))
        ]

    def _exact(self, lookup: Lookup) -> Resolution | None:
        """By Slack ID, email or handle; None when only the name can tell."""
        by_id = self._by_slack_id(lookup.slack_id or lookup.handle)
        by_email = self._by_address(lookup.email)
        for found in (by_id, by_email):
            if found is not None and found.final:
                return found
        if by_id is not None and by_email is not None and by_id.user_id != by_email.user_id:
            candidates = [self._candidate(r.user_id, 100.0) for r in (by_id, by_email) if r.user_id]
            names = ", ".join(label for _, label, _ in candidates)
            return Resolution(
                None, How.NONE, 0.0, candidates, f"the Slack ID and the email are different people ({names})"
            )
        return by_id or by_email or self._by_handle_name(lookup.handle)

    def _by_name_only(self, lookup: Lookup, named: Resolution | None) -> Resolution:
        """A name decides only when the sheet gave no ID or email: one that matches nobody needs the admin,
        even if the name matches someone (it may be a namesake), and that someone is offered as a candidate."""
        missing = self._missing(lookup)
        if named is None:
            return Resolution(None, How.NONE, 0.0, problem=missing or "nothing in the row says who this is")
        if not missing:
            return named
        hint = f"; the name is like {named.candidates[0][1]}" if named.candidates else ""
        return Resolution(None, How.NONE, named.confidence, named.candidates, missing + hint)

    def _missing(self, lookup: Lookup) -> str:
        user_id = as_slack_id(lookup.slack_id)
        if user_id:
            return f"no Slack member has the ID {user_id}"
        if as_email(lookup.email):
            return f"no Slack member has the email {as_email(lookup.email)}"
        if lookup.email.strip():
            return f"“{cut(squash(lookup.email), 60)}” is not an email address"
        if lookup.slack_id.strip():
            return f"“{cut(squash(lookup.slack_id), 60)}” is not a Slack ID"
        if lookup.handle.strip() and not lookup.name.strip():
            return f"no Slack member is @{squash(lookup.handle).removeprefix('@')}"
        return ""

    def _candidate(self, user_id: str, score: float) -> tuple[str, str, float]:
        return user_id, self._by_id[user_id].label, score

    def _by_slack_id(self, text: str) -> Resolution | None:
        user_id = as_slack_id(text)
        entry = self._by_id.get(user_id)
        if entry is None:
            return None
        if entry.deleted or entry.is_bot:
            return self._inactive(entry, user_id)
        return Resolution(user_id, How.ID, 1.0)

    def _by_address(self, text: str) -> Resolution | None:
        email = as_email(text)
        if not email:
            return None
        entry = self._by_email.get(email)
        if entry is not None:
            return Resolution(entry.user_id, How.EMAIL, 1.0)
        inactive = self._inactive_email.get(email)
        return None if inactive is None else self._inactive(inactive, email)

    @staticmethod
    def _inactive(entry: DirectoryEntry, said: str) -> Resolution:
        what = "a bot" if entry.is_bot else "a deactivated account"
        return Resolution(None, How.NONE, 0.0, problem=f"{said} is {what} in Slack", final=True)

    def _by_handle_name(self, text: str) -> Resolution | None:
        handle = squash(text).removeprefix("@").casefold()
        users = self._by_handle.get(handle, []) if handle else []
        if len(users) == 1:
            return Resolution(users[0], How.HANDLE, 1.0)
        if len(users) > 1:
            candidates = [self._candidate(uid, 100.0) for uid in users[:MAX_CANDIDATES]]
            return Resolution(None, How.NONE, 0.0, candidates, f"@{handle} is the name of {len(users)} people")
        return None

    def _by_names(self, names: list[str]) -> list[Resolution]:
        """Exact spellings from the index; the rest scored in batches against every member's name."""
        folded = [fold_name(name) for name in names]
        found: dict[int, Resolution] = {}
        fuzzy: list[int] = []
        for index, name in enumerate(folded):
            users = self._by_name.get(name, [])
            if len(users) == 1:
                found[index] = Resolution(users[0], How.NAME, 1.0, [self._candidate(users[0], 100.0)])
            elif users:
                candidates = [self._candidate(uid, 100.0) for uid in users[:MAX_CANDIDATES]]
                found[index] = Resolution(
                    None, How.NONE, 1.0, candidates, f"{len(users)} people are called “{names[index]}”"
                )
            else:
                fuzzy.append(index)
        for start in range(0, len(fuzzy), _BATCH):
            batch = fuzzy[start : start + _BATCH]
            scores = process.cdist(
                [folded[i] for i in batch],
                self._choices,
                scorer=fuzz.ratio,
                score_cutoff=CANDIDATE_SCORE,
                dtype=np.float32,
                workers=1,
            )
            found.update((index, self._best(names[index], row)) for index, row in zip(batch, scores, strict=True))
        return [found[index] for index in range(len(names))]

    def _best(self, query: str, row: np.ndarray) -> Resolution:
        """The best-scored member if they lead clearly, or the close candidates for the admin to choose from."""
        above = np.flatnonzero(row)
        order = above[np.argsort(-row[above], kind="stable")]
        ranked: dict[str, float] = {}
        for choice in order:
            for user_id in self._choice_users[choice]:
                ranked.setdefault(user_id, round(float(row[choice]), 1))
            if len(ranked) > MAX_CANDIDATES:
                break
        candidates = [self._candidate(uid, score) for uid, score in ranked.items()][:MAX_CANDIDATES]
        if not candidates:
            return Resolution(None, How.NONE, 0.0, problem=f"no Slack member has a name like “{query}”")
        best = candidates[0][2]
        runner_up = candidates[1][2] if len(candidates) > 1 else 0.0
        if best >= ACCEPT_SCORE and best - runner_up >= MIN_LEAD:
            return Resolution(candidates[0][0], How.NAME, best / 100, candidates)
        choices = ", ".join(f"{label} ({score:.0f} %)" for _, label, score in candidates)
        return Resolution(None, How.NONE, best / 100, candidates, f"could be {choices}")
