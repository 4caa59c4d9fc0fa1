"""Settings come from the environment and .env; bad values fail with one clear line."""

import re
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings


def test_defaults_use_a_sqlite_file_and_slacks_own_api() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.missing_for_http() == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    assert settings.workers == 1
    assert load_settings({"MENTORBOT_WORKERS": "0"}, env_file=None).workers == 0
    assert settings.queue_limit == 100
    assert settings.worker_threads == 4
    assert load_settings({"MENTORBOT_WORKER_THREADS": "1"}, env_file=None).worker_threads == 1
    assert load_settings({"MENTORBOT_QUEUE_LIMIT": "20"}, env_file=None).queue_limit == 20


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nMENTORBOT_ADMINS=U01ADMIN, U02ADMIN\nSLACK_SIGNING_SECRET=s\n")
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-from-env"}, env_file=env)
    assert settings.slack_bot_token == "xoxb-from-env"
    assert settings.admins == {"U01ADMIN", "U02ADMIN"}
    assert settings.missing_for_http() == []


def test_api_url_gets_its_trailing_slash() -> None:
    assert load_settings({"SLACK_API_URL": "http://127.0.0.1:9/api"}, env_file=None).slack_api_url == (
        "http://127.0.0.1:9/api/"
    )


def test_postgres_urls_are_pinned_to_psycopg() -> None:
    url = load_settings({"DATABASE_URL": "postgres://u:p@db:5432/mentor"}, env_file=None).database_url
    assert url == "postgresql+psycopg://u:p@db:5432/mentor"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "not a url", "is not a database URL"),
        ("DATABASE_URL", "mysql://u@h/db", "supports sqlite and postgresql"),
        ("MENTORBOT_ADMINS", "U01ADMIN,ana", "use Slack user IDs"),
        ("SLACK_API_URL", "ftp://x", "must start with http"),
        ("MENTORBOT_SHOUTOUT_CHANNEL", "#general", "channel ID"),
        ("SLACK_API_TIMEOUT", "soon", "number of seconds"),
        ("MENTORBOT_SECRET_KEY", "hunter2", "Fernet.generate_key"),
        ("SLACK_CLIENT_ID", "1111.2222", "both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
        ("MENTORBOT_WORKERS", "-1", "whole number"),
        ("MENTORBOT_WORKERS", "two", "whole number"),
        ("MENTORBOT_QUEUE_LIMIT", "0", "1 or more"),
        ("MENTORBOT_WORKER_THREADS", "0", "1 or more"),
    ],
)
def test_bad_values_fail_with_a_clear_message(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({name: value}, env_file=None)


def test_env_example_lists_every_setting_the_app_reads() -> None:
    root = Path(__file__).resolve().parent.parent
    read = set(re.findall(r'get\("([A-Z_]+)"', (root / "bot" / "settings.py").read_text()))
    listed = set(re.findall(r"^([A-Z_]+)=", (root / ".env.example").read_text(), re.MULTILINE))
    assert read and read <= listed, f"add {read - listed} to .env.example"
