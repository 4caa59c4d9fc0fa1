"""Confidential help: a member's request for help reaches every program admin, and nobody else."""

from __future__ import annotations

from datetime import datetime

from bot.celebrate import HelpView, ask_for_help
from bot.outbox import enqueue
from bot.programs import program_admins, program_of_member
from bot.services import Services
from bot.views.celebrate import help_for_admins


def ask_admins(
    services: Services, team_id: str, user_id: str, pair_id: int | None, reason: str, details: str, now: datetime
) -> HelpView:
    """Store the request and queue it for each admin; the caller delivers the queue once the member is answered."""
    with services.db.unit_of_work() as session:
        request = ask_for_help(session, team_id, user_id, pair_id, reason, details, now)
        program_id = program_of_member(session, team_id, user_id, pair_id, now)
        for admin in program_admins(session, program_id, services.settings.admins):
            enqueue(session, team_id, f"help:{request.id}:{admin}", help_for_admins(request), now, user_id=admin)
    return request
