"""Schema changes go through Alembic: the migrations build exactly the models, and can be undone."""

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Date, DateTime, MetaData, create_engine, inspect, make_url

from storage.migrate import alembic_config, downgrade, upgrade
from tests.conftest import drop_database, new_database


def test_migrations_match_the_models(database_url: str) -> None:
    command.check(alembic_config(database_url))


def test_migrations_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(url)
    assert {"programs", "people"} <= set(inspect(engine).get_table_names())
    engine.dispose()


FIXTURE = Path(__file__).parent / "fixtures" / "release-0010-rows.json"


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own, on the same server as the suite's (a new SQLite file, or a new PostgreSQL one)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'previous-release.db'}"
        return
    url = new_database(database_url, f"{make_url(database_url).database}_previous_release")
    yield url
    drop_database(url)


def _restore(url: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Write the rows back as they were read, into a database at their revision."""
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            rows = tables.get(table.name, [])
            for row in rows:
                for column in table.columns:
                    value = row.get(column.name)
                    if isinstance(value, str) and isinstance(column.type, DateTime):
                        row[column.name] = datetime.fromisoformat(value)
                    elif isinstance(value, str) and isinstance(column.type, Date):
                        row[column.name] = date.fromisoformat(value)
            if rows:
                connection.execute(table.insert(), rows)
    engine.dispose()


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        found = {t.name: [dict(r._mapping) for r in connection.execute(t.select())] for t in metadata.sorted_tables}
    engine.dispose()
    return found


def test_a_database_of_the_previous_release_becomes_one_program_with_every_row_kept(empty_database_url: str) -> None:
    saved = json.loads(FIXTURE.read_text())
    upgrade(empty_database_url, saved["revision"])
    _restore(empty_database_url, saved["tables"])
    before = _rows(empty_database_url)

    upgrade(empty_database_url)
    after = _rows(empty_database_url)

    counts = {name: len(rows) for name, rows in before.items() if name != "alembic_version"}
    assert {name: len(after[name]) for name in counts} == counts
    assert counts["people"] == 12 and counts["pairs"] == 6 and counts["checkins"] == 2 and counts["evaluations"] == 2
    (program,) = after["programs"]
    assert (program["name"], program["slug"], program["format"]) == ("Mentoring", "mentoring", "one_to_one")
    assert program["team_id"] == before["programs"][0]["team_id"]
    for table in ("people", "pairs", "match_requests", "match_rounds"):
        assert {row["program_id"] for row in after[table]} == {program["id"]}, table
    for table, key in (("people", "slack_user_id"), ("pairs", "id"), ("goals", "id"), ("evaluations", "id")):
        old = {row["id"]: row for row in before[table]}
        for row in after[table]:
            kept = {k: v for k, v in row.items() if k in old[row["id"]]}
            assert kept == old[row["id"]], f"{table} {row[key]} changed"


def test_circles_of_the_previous_release_keep_every_row_and_start_their_life_with_no_agreement(
    empty_database_url: str,
) -> None:
    """`release-0016-rows.json` was written by the previous release itself: two peer circles published through
    signed HTTP. Every row is kept; the circles gain a life with its defaults (no agreement, no meetings yet)."""
    saved = json.loads((Path(__file__).parent / "fixtures" / "release-0016-rows.json").read_text())
    upgrade(empty_database_url, saved["revision"])
    _restore(empty_database_url, saved["tables"])
    before = _rows(empty_database_url)

    upgrade(empty_database_url)
    after = _rows(empty_database_url)

    counts = {name: len(rows) for name, rows in before.items() if name != "alembic_version"}
    assert {name: len(after[name]) for name in counts} == counts
    assert counts["circles"] == 2 and counts["circle_members"] == 9
    for table in ("circles", "circle_members", "people", "programs"):
        old = {row["id"]: row for row in before[table]}
        for row in after[table]:
            assert {k: v for k, v in row.items() if k in old[row["id"]]} == old[row["id"]], table
    for circle in after["circles"]:
        assert (circle["agreement_status"], circle["meetings"], circle["window_zone"]) == ("none", 0, "UTC")
        assert circle["mentor_id"] is None and circle["next_checkin_at"] is None
    assert {p["group_size"] for p in after["programs"]} == {4}
    assert all(m["agreed_at"] is None for m in after["circle_members"])
