"""Due work of pair health: at-risk pairs (a kind note to them, a list to admins), dormant pairs warned, closed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.due.work import BATCH, Due, DueWork, Step, both, to_pair
from bot.health import AtRisk, assess, due_closures, due_dormancy_warnings, due_health_checks
from bot.nudges import Nudge
from bot.programs import program_admins
from bot.views.health import admins_at_risk, closed_for_inactivity, dormancy_warning, kind_checkin


def check(session: Session, due: Due) -> Step:
    step = Step()
    pairs = due_health_checks(session, due.now, BATCH)
    by_program: dict[tuple[str, int], list[AtRisk]] = {}
    for pair_id in pairs:
        risk = assess(session, pair_id, due.now)
        if risk is not None:
            by_program.setdefault((risk.team_id, risk.pair.program_id), []).append(risk)
            key = f"pair:{risk.pair.id}:at-risk:{due.now.isoformat()}"
            step.nudges += to_pair(risk.team_id, key, risk.pair, kind_checkin(risk.pair))
    for (team_id, program_id), risks in by_program.items():
        step.handled += len(risks)
        for admin in program_admins(session, program_id, due.configured_admins):
            key = f"health:{team_id}:{admin}:{due.now.isoformat()}:{risks[0].pair.id}"
            step.nudges.append(Nudge(team_id, key, admins_at_risk(risks), user_id=admin))
    step.more = len(pairs) == BATCH
    return step


def warn_dormant(session: Session, due: Due) -> Step:
    step = Step()
    pairs = due_dormancy_warnings(session, due.now, BATCH)
    for pair in pairs:
        step.nudges += to_pair(
            pair.team_id, f"pair:{pair.id}:dormant:{due.now.isoformat()}", pair, dormancy_warning(pair)
        )
    step.more = len(pairs) == BATCH
    return step


def close_dormant(session: Session, due: Due) -> Step:
    step = Step()
    ended = due_closures(session, due.now, BATCH)
    for team_id, pair in ended:
        step.nudges += to_pair(team_id, f"pair:{pair.id}:closed", pair, closed_for_inactivity(pair))
        step.homes |= both(pair)
    step.handled, step.more = len(ended), len(ended) == BATCH
    return step


DUE = (
    DueWork("at-risk pairs", check, counts_as="at_risk"),
    DueWork("dormancy warnings", warn_dormant),
    DueWork("dormant pairs closed", close_dormant, counts_as="closed"),
)
