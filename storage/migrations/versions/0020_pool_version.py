"""people carry the version of their last change, so a mentor pool reads only the mentors that changed

`people.pool_version` is set by the database itself on every insert and update, whichever code writes the row:
on PostgreSQL from a sequence (a trigger before the write), on SQLite as one more than the program's highest
(a trigger after it; SQLite has one writer at a time; a deleted row's version may come again, and the pool's
fingerprint notices). With an index on (program_id, pool_version), a cached mentor pool asks for the rows changed
since the highest version it has seen instead of reading every mentor's state; the pool's covering index gains
the version, so the fingerprint every find reads sums the mentors' versions from the index alone. Existing rows
start at 0. No row changes otherwise.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

SQLITE_NEXT = """
    UPDATE people SET pool_version = (
        SELECT coalesce(max(pool_version), 0) + 1 FROM people WHERE program_id = NEW.program_id
    ) WHERE id = NEW.id;
"""
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER people_pool_version_insert AFTER INSERT ON people BEGIN {SQLITE_NEXT} END",
    # Not when the row's version itself was written: that is this trigger's own update.
    "CREATE TRIGGER people_pool_version_update AFTER UPDATE ON people "
    f"WHEN NEW.pool_version = OLD.pool_version BEGIN {SQLITE_NEXT} END",
)
POSTGRESQL_TRIGGER = (
    "CREATE SEQUENCE people_pool_version",
    """CREATE FUNCTION people_pool_version() RETURNS trigger AS $$
    BEGIN
        NEW.pool_version := nextval('people_pool_version');
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER people_pool_version BEFORE INSERT OR UPDATE ON people "
    "FOR EACH ROW EXECUTE FUNCTION people_pool_version()",
)


POOL_BEFORE = ["program_id", "status", "role", "capacity", "active_mentees", "updated_at"]
POOL_AFTER = [*POOL_BEFORE, "pool_version"]


def upgrade() -> None:
    op.add_column("people", sa.Column("pool_version", sa.BigInteger(), server_default="0", nullable=False))
    op.create_index("ix_people_pool_version", "people", ["program_id", "pool_version"], unique=False)
    op.drop_index("ix_people_pool", table_name="people")
    op.create_index("ix_people_pool", "people", POOL_AFTER, unique=False)
    for statement in POSTGRESQL_TRIGGER if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER people_pool_version ON people")
        op.execute("DROP FUNCTION people_pool_version()")
        op.execute("DROP SEQUENCE people_pool_version")
    else:
        op.execute("DROP TRIGGER people_pool_version_update")
        op.execute("DROP TRIGGER people_pool_version_insert")
    op.drop_index("ix_people_pool", table_name="people")
    op.create_index("ix_people_pool", "people", POOL_BEFORE, unique=False)
    op.drop_index("ix_people_pool_version", table_name="people")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("pool_version")
