"""Engine creation and the unit of work: one transaction per request or scheduler item."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "mentorbot_read_only"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # isolation_level=None hands transaction control to us, so every transaction can BEGIN IMMEDIATE.
        engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers proceed while one writer works; foreign keys are off by default in SQLite.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Connection) -> None:
            # Take the write lock at BEGIN: two racing writers then wait for each other (busy timeout)
            # instead of failing when a read snapshot cannot be upgraded to a write. Reads take no lock.
            reading = connection.get_execution_options().get(READ_ONLY, False)
            # Straight to the driver: this runs for every transaction, and needs no statement machinery.
            connection.connection.cursor().execute("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        # SQLite has one write lock, and a writer that finds it taken sleeps in growing steps (1, 2, 5, 10 ms
        # and on) before trying again, so under load some requests wait far longer than the work takes.
        # Writers of this process queue here instead and take the lock the moment it is free.
        self._write_turn: AbstractContextManager[Any] = (
            threading.RLock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._reads = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work is committed when the block ends, or rolled back if it raises."""
        with self._write_turn, self._sessions.begin() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in one write transaction, for a hot single statement that needs no ORM session."""
        with self._write_turn, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only: one consistent snapshot that never waits for, or blocks, a writer.

        On SQLite a unit of work holds the database's one write lock for its whole transaction; long reads
        (ranking thousands of mentors) belong here so other requests' acks don't queue behind them.
        """
        with self._reads() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
