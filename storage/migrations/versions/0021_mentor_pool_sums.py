"""each program's mentor pool at a glance in one row, kept by the database, so a find reads one row, not every mentor

`mentor_pool_sums` holds, per program, what the mentor pool's fingerprint summed over the pool's covering index
on every `/mentor find`: how many mentors are available (mentoring, active, a slot free), their taken slots
weighted by person ID, and the sum of their row versions. Triggers on `people` add each written row's part and
take away its part before, whoever writes it:
- on SQLite, after each insert, update and delete (SQLite has one writer at a time; the row-version trigger's own
  update of 0020 fires them too, so its version is counted);
- on PostgreSQL, at commit (a deferred constraint trigger), under one transaction-scoped advisory lock: a row lock
  on a program's sums taken mid-transaction would queue every writer of the program behind it, and two
  transactions writing people of two programs in opposite orders could deadlock. At commit each writer holds the
  sums for the moment of its commit only, and always takes the advisory lock first.
The sums are filled from the rows there are. No row changes otherwise.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _in_pool(row: str) -> str:
    """A row that is one of its program's available mentors (as `bot.candidates._MENTOR_WITH_ROOM`)."""
    return f"{row}.role IN ('mentor', 'both') AND {row}.status = 'active' AND {row}.active_mentees < {row}.capacity"


def _part(row: str) -> str:
    """The row's part of its program's sums: one mentor, its taken slots weighted by its ID, its version."""
    return f"1, CAST({row}.active_mentees AS BIGINT) * {row}.id, {row}.pool_version"


_ADD = (
    "INSERT INTO mentor_pool_sums (program_id, mentors, weighted_slots, versions) "
    "SELECT {row}.program_id, {part} WHERE {in_pool} "
    "ON CONFLICT (program_id) DO UPDATE SET mentors = mentor_pool_sums.mentors + excluded.mentors, "
    "weighted_slots = mentor_pool_sums.weighted_slots + excluded.weighted_slots, "
    "versions = mentor_pool_sums.versions + excluded.versions"
)
_TAKE_AWAY = (
    "UPDATE mentor_pool_sums SET mentors = mentors - 1, "
    "weighted_slots = weighted_slots - CAST({row}.active_mentees AS BIGINT) * {row}.id, "
    "versions = versions - {row}.pool_version WHERE program_id = {row}.program_id AND {in_pool}"
)


def _add(row: str) -> str:
    return _ADD.format(row=row, part=_part(row), in_pool=_in_pool(row))


def _take_away(row: str) -> str:
    return _TAKE_AWAY.format(row=row, in_pool=_in_pool(row))


SQLITE_TRIGGERS = (
    f"CREATE TRIGGER people_pool_sums_insert AFTER INSERT ON people BEGIN {_add('NEW')}; END",
    f"CREATE TRIGGER people_pool_sums_update AFTER UPDATE ON people BEGIN {_take_away('OLD')}; {_add('NEW')}; END",
    f"CREATE TRIGGER people_pool_sums_delete AFTER DELETE ON people BEGIN {_take_away('OLD')}; END",
)
# One key for every writer of people: taken at commit before any program's sums (see above).
ADVISORY_LOCK = 2_021_0021
POSTGRESQL_TRIGGER = (
    f"""CREATE FUNCTION people_pool_sums() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});
        IF TG_OP <> 'INSERT' THEN
            {_take_away("OLD")};
        END IF;
        IF TG_OP <> 'DELETE' THEN
            {_add("NEW")};
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    "CREATE CONSTRAINT TRIGGER people_pool_sums AFTER INSERT OR UPDATE OR DELETE ON people "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION people_pool_sums()",
)
FILL = (
    "INSERT INTO mentor_pool_sums (program_id, mentors, weighted_slots, versions) "
    "SELECT people.program_id, count(*), sum(CAST(people.active_mentees AS BIGINT) * people.id), "
    f"sum(people.pool_version) FROM people WHERE {_in_pool('people')} GROUP BY people.program_id"
)


def upgrade() -> None:
    op.create_table(
        "mentor_pool_sums",
        sa.Column("program_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mentors", sa.BigInteger(), nullable=False),
        sa.Column("weighted_slots", sa.BigInteger(), nullable=False),
        sa.Column("versions", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("program_id"),
    )
    op.execute(FILL)
    for statement in POSTGRESQL_TRIGGER if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER people_pool_sums ON people")
        op.execute("DROP FUNCTION people_pool_sums()")
    else:
        for kind in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER people_pool_sums_{kind}")
    op.drop_table("mentor_pool_sums")
