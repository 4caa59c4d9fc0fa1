"""Schema changes go through Alembic: the migrations build exactly the models, and can be undone."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from storage.migrate import alembic_config, downgrade, upgrade


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
