"""The registry of due work: every feature's `DUE`, in the order a tick runs them."""

from __future__ import annotations

from bot.due import checkins, circles, closing, cohorts, evaluations, fit, health, meetings, requests
from bot.due.work import DueWork

REGISTRY: tuple[DueWork, ...] = (
    *cohorts.DUE,
    *requests.DUE,
    *fit.DUE,
    *meetings.DUE,
    *checkins.DUE,
    *circles.DUE,
    *health.DUE,
    *closing.DUE,
    *evaluations.DUE,
)
