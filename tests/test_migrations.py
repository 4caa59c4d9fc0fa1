"""Schema changes go through Alembic: the migrations build exactly the models, and can be undone."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Executable,
    MetaData,
    Table,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.orm import Session

from bot.candidates import MentorPools
from bot.pairs import without_conversation
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


FIXTURES = Path(__file__).parent / "fixtures"
Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own, on the same server as the suite's (a new SQLite file, or a new PostgreSQL one)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'previous-release.db'}"
        return
    url = new_database(database_url, f"{make_url(database_url).database}_previous_release")
    yield url
    drop_database(database_url, url)


def _restore(url: str, tables: Rows) -> None:
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


def _rows(url: str) -> Rows:
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        found = {t.name: [dict(r._mapping) for r in connection.execute(t.select())] for t in metadata.sorted_tables}
    engine.dispose()
    return found


def _upgraded_from(fixture: str, url: str) -> tuple[Rows, Rows, dict[str, int]]:
    """Load a release's rows into `url` at that release's revision and upgrade it to the newest: the rows before,
    the rows after, and how many each table had (checked to be the same after)."""
    saved = json.loads((FIXTURES / fixture).read_text())
    upgrade(url, saved["revision"])
    _restore(url, saved["tables"])
    before = _rows(url)
    upgrade(url)
    after = _rows(url)
    counts = {name: len(rows) for name, rows in before.items() if name != "alembic_version"}
    assert {name: len(after[name]) for name in counts} == counts
    return before, after, counts


def test_a_database_of_the_previous_release_becomes_one_program_with_every_row_kept(empty_database_url: str) -> None:
    before, after, counts = _upgraded_from("release-0010-rows.json", empty_database_url)
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
    before, after, counts = _upgraded_from("release-0016-rows.json", empty_database_url)
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


def test_a_database_of_release_0018_keeps_every_row_and_its_waiting_group_dms_are_found_by_their_own_index(
    empty_database_url: str,
) -> None:
    """`release-0018-rows.json` was written by that release itself (`dump_release.py`: the sandbox journey through
    signed HTTP and scheduler ticks). Every row is kept, and the scheduler's search for pairs and circles still
    without a group DM reads a partial index of just those rows."""
    before, after, counts = _upgraded_from("release-0018-rows.json", empty_database_url)
    assert counts["pairs"] == 6 and counts["circles"] == 1 and counts["people"] == 19
    # Apart from the row versions of 0020 and the pools' sums of 0021 (tested below); the versions start at 0.
    assert {row.pop("pool_version") for row in after["people"]} == {0}
    after.pop("mentor_pool_sums")
    assert after == {**before, "alembic_version": after["alembic_version"]}
    engine = create_engine(empty_database_url)
    for table in ("pairs", "circles"):
        (index,) = [i for i in inspect(engine).get_indexes(table) if i["name"] == f"ix_{table}_waiting_for_dm"]
        assert index["column_names"] == ["started_at"]
        if engine.dialect.name == "postgresql":
            assert "channel_id IS NULL" in str(index.get("dialect_options", {}).get("postgresql_where")), index
    # One of the release's active pairs loses its group DM as it starts: the tick's own search finds it.
    (pair_id,) = [row["id"] for row in after["pairs"] if row["status"] == "active"][:1]
    started = datetime(2026, 12, 1, 9, 0)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE pairs SET channel_id = NULL, started_at = :started WHERE id = :id"),
            {"started": started, "id": pair_id},
        )
    searched: list[tuple[str, Any]] = []

    def search(*args: Any) -> None:
        searched.append((args[2], args[3]))

    event.listen(engine, "before_cursor_execute", search)
    with Session(engine) as session:
        found = without_conversation(session, (started + timedelta(minutes=5)).replace(tzinfo=UTC))
    event.remove(engine, "before_cursor_execute", search)
    assert [pair.id for pair in found] == [pair_id]
    if engine.dialect.name == "sqlite":
        statement, parameters = searched[0]
        with engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        assert any("ix_pairs_waiting_for_dm" in str(row) for row in plan), plan
    engine.dispose()


def test_after_0020_the_database_versions_every_write_to_people_and_a_pool_reads_only_what_changed(
    empty_database_url: str,
) -> None:
    """Whatever writes a row (here plain SQL: a full mentor's pair ended), its version rises above every other row
    of its program; the mentor pool of the release's program then reads just that row and follows it."""
    _upgraded_from("release-0018-rows.json", empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        mentor_id, program_id = connection.execute(
            text(
                "SELECT id, program_id FROM people WHERE role IN ('mentor', 'both') "
                "AND status = 'active' AND active_mentees = capacity ORDER BY id LIMIT 1"
            )
        ).one()
    pools = MentorPools()
    with Session(engine) as session:
        assert mentor_id not in {m.person_id for m in pools.pool(session, program_id).mentors}, "full"
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE people SET active_mentees = active_mentees - 1 WHERE id = :id"), {"id": mentor_id}
        )
        versions: dict[int, int] = dict(
            connection.execute(
                text("SELECT id, pool_version FROM people WHERE program_id = :p"), {"p": program_id}
            ).all()
        )
    assert versions[mentor_id] > max(v for p, v in versions.items() if p != mentor_id)
    searched: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: searched.append(args[2]))
    with Session(engine) as session:
        assert pools.pool(session, program_id).mentor(mentor_id).free_slots == 1
    # The fingerprint, the rows written since, and the one mentor new to the pool.
    assert len(searched) == 3 and "pool_version >" in searched[1] and "people.id IN" in searched[2], searched
    engine.dispose()


POOL_AGGREGATE = text(
    "SELECT program_id, count(*), sum(active_mentees * id), sum(pool_version) FROM people "
    "WHERE role IN ('mentor', 'both') AND status = 'active' AND active_mentees < capacity GROUP BY program_id"
)
POOL_SUMS = text("SELECT program_id, mentors, weighted_slots, versions FROM mentor_pool_sums WHERE mentors > 0")


def pool_sums_and_aggregate(connection: Connection) -> tuple[set[tuple[int, ...]], set[tuple[int, ...]]]:
    """Each program's sums as the triggers kept them, and as an aggregate over its mentors finds them now."""
    kept = {tuple(int(v) for v in row) for row in connection.execute(POOL_SUMS)}
    return kept, {tuple(int(v) for v in row) for row in connection.execute(POOL_AGGREGATE)}


def test_after_0021_each_programs_pool_sums_follow_every_write_to_people_whatever_writes_it(
    empty_database_url: str,
) -> None:
    """The release's mentors (in three programs) are summed when the migration runs; then plain SQL writes (a mentor
    added, given more room, a slot taken, a mentor paused, one moved to another program, one deleted) each move the
    sums as the aggregate moves."""
    _upgraded_from("release-0018-rows.json", empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        kept, aggregate = pool_sums_and_aggregate(connection)
        assert kept == aggregate and len(kept) == 3
        # The program with the most mentors, and another.
        (program_id, *_), (other, *_) = sorted(kept, key=lambda sums: -sums[1])[:2]
        mentor_ids = [
            row[0]
            for row in connection.execute(
                text("SELECT id FROM people WHERE program_id = :p AND role IN ('mentor', 'both') ORDER BY id"),
                {"p": program_id},
            )
        ]
    people = Table("people", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        newcomer = dict(connection.execute(people.select().where(people.c.id == mentor_ids[0])).one()._mapping)
        # The restored rows kept their IDs, so PostgreSQL's sequence has not moved past them.
        newcomer["id"] = connection.execute(text("SELECT max(id) + 1 FROM people")).scalar_one()
    newcomer.update(slack_user_id="UNEW", capacity=3, active_mentees=1, status="active")
    writes: list[Executable] = [
        people.insert().values(newcomer),
        text("UPDATE people SET capacity = capacity + 1 WHERE slack_user_id = 'UNEW'"),
        text("UPDATE people SET active_mentees = active_mentees + 1 WHERE slack_user_id = 'UNEW'"),
        text("UPDATE people SET status = 'paused' WHERE id = :first"),
        text("UPDATE people SET program_id = :other, slack_user_id = 'UMOVED' WHERE id = :last"),
        text("DELETE FROM people WHERE slack_user_id = 'UNEW'"),
    ]
    ids = {"first": mentor_ids[0], "last": mentor_ids[-1], "other": other}
    for write in writes:
        before = kept
        with engine.begin() as connection:
            connection.execute(write, ids)
        with engine.begin() as connection:
            kept, aggregate = pool_sums_and_aggregate(connection)
        assert kept == aggregate and kept != before, write
    engine.dispose()
