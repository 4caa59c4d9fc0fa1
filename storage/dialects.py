"""What differs between SQLite and PostgreSQL, said once: services call these and never ask which database it is.

- Insert-or-ignore: `INSERT … ON CONFLICT DO NOTHING` is spelled by each dialect's own `insert`.
- Claiming due rows: PostgreSQL locks them with `FOR UPDATE SKIP LOCKED`, so another process skips them; SQLite
  has one writer at a time (every write transaction begins `IMMEDIATE`, see `storage.db`), so a plain select
  inside the write transaction is already a claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Row = TypeVar("Row")
# Each dialect's own `insert`, which knows its ON CONFLICT.
_INSERTS: dict[str, Callable[[Any], Any]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_of(bind: Session | Connection) -> str:
    return bind.dialect.name if isinstance(bind, Connection) else bind.get_bind().dialect.name


class InsertOrIgnore:
    """`INSERT … ON CONFLICT (columns) DO NOTHING` into one table, built once per dialect.

    Add `.values(...)`; to learn whether a row went in, build it with `returning`: after DO NOTHING only a
    returned row says so (rowcount does not, on every driver).
    """

    def __init__(self, table: Any, conflict: Sequence[str], returning: Any = None) -> None:
        columns = list(conflict)
        self._statements = {}
        for name, make in _INSERTS.items():
            statement = make(table).on_conflict_do_nothing(index_elements=columns)
            self._statements[name] = statement if returning is None else statement.returning(returning)

    def on(self, bind: Session | Connection) -> Any:
        """The statement for the database `bind` is connected to."""
        return self._statements[dialect_of(bind)]


def claimed(bind: Session | Connection, query: Select[Row]) -> Select[Row]:
    """`query` as a claim of its rows for this transaction: other processes skip them (PostgreSQL) or wait."""
    return query.with_for_update(skip_locked=True) if dialect_of(bind) == "postgresql" else query
