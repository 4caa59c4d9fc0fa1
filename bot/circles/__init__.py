"""Peer circles and mentoring groups (pure): who meets whom, every hard rule kept, and the reasons people see.

`form_circles` and `form_groups` build groups greedily and improve them by tabu search (pure Python and numpy);
`exact_circles` solves a small cohort exactly (integer programs, scipy's HiGHS) to measure them; `random_circles`
and `greedy_circles` are the baselines the benchmark compares with. The rooms: `model` (people, rules, groups and
reasons), `hours` (hours of the week), `scoring` (the objective), `cohort` (the cohort as matrices), `search` and
`tabu` (improving groups), `construction` (starting and repairing them), `arrange` (one component, by strategy),
`exact` (the exact solvers), `formation` (circles) and `mentoring` (mentoring groups).
"""

from __future__ import annotations

from bot.circles.formation import exact_circles, form_circles, greedy_circles, random_circles
from bot.circles.hours import HOURS_PER_WEEK, HourWindow, common_windows, longest_run, weekly_hours
from bot.circles.mentoring import form_groups
from bot.circles.model import (
    Answer,
    Circle,
    CircleWeights,
    Formation,
    Member,
    Mentor,
    QuestionRule,
    RuleName,
    SpareMentor,
    Unplaced,
    circle_sentence,
)
from bot.circles.scoring import answer_points, answer_set, answers_block, group_score, hour_bonus, pair_affinity

__all__ = [
    "HOURS_PER_WEEK",
    "Answer",
    "Circle",
    "CircleWeights",
    "Formation",
    "HourWindow",
    "Member",
    "Mentor",
    "QuestionRule",
    "RuleName",
    "SpareMentor",
    "Unplaced",
    "answer_points",
    "answer_set",
    "answers_block",
    "circle_sentence",
    "common_windows",
    "exact_circles",
    "form_circles",
    "form_groups",
    "greedy_circles",
    "group_score",
    "hour_bonus",
    "longest_run",
    "pair_affinity",
    "random_circles",
    "weekly_hours",
]
