"""Many workspaces install through OAuth: tokens encrypted at rest, rotated, deleted on uninstall; pairs pause."""

from __future__ import annotations

import html
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from bot.app import build
from bot.installations import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH, NotInstalled, Tokens, installation_stores
from bot.settings import Settings
from handlers.http import EVENTS_PATH
from sandbox.fake_slack import FakeSlack
from sandbox.slack_user import SlackUserAgent
from storage.db import Database
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, Pair, Program, TokenRotation
from tests.conftest import SIGNING_SECRET, START, Running, running_app
from tests.steps import paired, tick_at, wait_until_stored

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret"
KEY = Fernet.generate_key().decode()


@dataclass
class Workspace:
    fake: FakeSlack
    team_id: str

    def response_url(self) -> str:
        return self.fake.response_url()


@pytest.fixture
def oauth_settings(settings: Settings) -> Settings:
    return replace(
        settings, slack_bot_token="", slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, secret_keys=(KEY,)
    )


@pytest.fixture
def oauth_app(oauth_settings: Settings, slack: FakeSlack, clock: object) -> Iterator[Running]:
    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET)
    with running_app(oauth_settings, slack, clock) as running:  # type: ignore[arg-type]
        yield running


def get(url: str, cookie: str = "") -> tuple[int, str, str]:
    """GET as a browser would: status, page and the cookie it sets."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode(), response.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), ""


@dataclass
class Landing:
    status: int
    page: str
    url: str
    cookie: str


def install(
    app: Running,
    team_id: str = "T0001",
    team_name: str = "Acme",
    user_id: str = "UADMIN",
    enterprise_id: str | None = None,
    org_wide: bool = False,
) -> Landing:
    """Open the install page, allow on Slack's page, and land on the redirect URL with the code and state."""
    base = app.user.events_url.removesuffix(EVENTS_PATH)
    status, page, cookie = get(base + INSTALL_PATH)
    assert status == 200, page
    found = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
    assert found is not None, page
    query = urllib.parse.parse_qs(urllib.parse.urlparse(html.unescape(found.group(1))).query)
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    assert query["client_id"] == [CLIENT_ID]
    code = app.slack.authorize_install(team_id, team_name, user_id, query["scope"][0], enterprise_id, org_wide)
    url, cookie = f"{base}{REDIRECT_PATH}?code={code}&state={query['state'][0]}", cookie.split(";")[0]
    status, page, _ = get(url, cookie)
    return Landing(status, page, url, cookie)


def stored_tokens(app: Running, team_id: str) -> list[str]:
    with app.services.db.unit_of_work() as session:
        bots = session.execute(select(SLACK_BOTS.c.bot_token).where(SLACK_BOTS.c.team_id == team_id)).scalars()
        installs = session.execute(
            select(SLACK_INSTALLATIONS.c.bot_token).where(SLACK_INSTALLATIONS.c.team_id == team_id)
        ).scalars()
        return [str(t) for t in [*bots, *installs]]


def test_a_workspace_installs_and_its_token_is_encrypted_and_used_only_for_it(oauth_app: Running) -> None:
    app = oauth_app
    landing = install(app)
    assert landing.status == 200, landing.page
    [token] = app.slack.live_tokens("T0001")
    raw = stored_tokens(app, "T0001")
    assert len(raw) == 2 and all("xoxb-" not in value for value in raw)
    assert {Fernet(KEY).decrypt(value.encode()).decode() for value in raw} == {token}

    welcome = app.slack.wait_for_message("DUADMIN")[-1]
    assert welcome.token == token and "You run the program here" in welcome.text()
    with app.services.db.unit_of_work() as session:
        assert session.scalars(select(Program.admins).where(Program.team_id == "T0001")).one() == ["UADMIN"]

    mark = app.slack.mark()
    app.user.command("UANA", "join")
    assert app.slack.wait_for("views.open", since=mark)[-1].token == token

    other = SlackUserAgent(app.user.events_url, SIGNING_SECRET, Workspace(app.slack, "T0002"))
    mark = app.slack.mark()
    assert other.command("UZOE", "join").status == 200
    [answer] = app.slack.wait_for("response_url", since=mark)
    assert "isn't installed in this workspace" in answer.text(), "a workspace without the app gets nothing done"
    assert install(app, "T0002", "Globex", "UZOE").status == 200
    [other_token] = app.slack.live_tokens("T0002")
    mark = app.slack.mark()
    other.command("UZOE", "join")
    assert app.slack.wait_for("views.open", since=mark)[-1].token == other_token != token


def test_a_forged_or_replayed_redirect_is_refused(oauth_app: Running) -> None:
    base = oauth_app.user.events_url.removesuffix(EVENTS_PATH)
    code = oauth_app.slack.authorize_install("T0001", "Acme", "UADMIN", ",".join(BOT_SCOPES))
    assert get(f"{base}{REDIRECT_PATH}?code={code}&state=forged", "slack-app-oauth-state=forged")[0] == 401
    assert stored_tokens(oauth_app, "T0001") == []

    landing = install(oauth_app)
    assert landing.status == 200
    assert get(landing.url, landing.cookie)[0] == 401, "a state is good for one install only"
    assert len(stored_tokens(oauth_app, "T0001")) == 2


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}],
    ids=["app_uninstalled", "tokens_revoked"],
)
def test_uninstall_deletes_the_tokens_and_pauses_pairs_until_the_app_comes_back(
    oauth_app: Running, event: dict[str, object]
) -> None:
    app = oauth_app
    install(app)
    pair_id = paired(app)

    app.slack.revoke("T0001")
    assert app.user.event(event).status == 200
    wait_until_stored(app, lambda session: session.get_one(Pair, pair_id).paused_at is not None)
    assert stored_tokens(app, "T0001") == []
    with app.services.db.unit_of_work() as session:
        pair = session.get_one(Pair, pair_id)
        program = session.scalars(select(Program).where(Program.team_id == "T0001")).one()
        assert pair.paused_at is not None and pair.paused_at == program.uninstalled_at

    mark = app.slack.mark()
    report = tick_at(app, START + timedelta(days=31))
    assert (report.checkins, report.evaluations, report.at_risk) == (0, 0, 0)
    assert app.slack.calls[mark:] == [], "nothing is sent to a workspace that removed the app"

    assert install(app).status == 200
    assert "1 pair paused while Mentorbot was away" in app.slack.wait_for_message("DUADMIN", 2)[-1].text()
    with app.services.db.unit_of_work() as session:
        assert session.get_one(Pair, pair_id).paused_at is None
    report = tick_at(app, START + timedelta(days=32))
    assert report.evaluations == 2 and report.delivery.sent >= 2


def test_expiring_tokens_are_rotated_and_the_new_token_is_stored_encrypted(oauth_app: Running) -> None:
    app = oauth_app
    app.slack.enable_oauth(CLIENT_ID, CLIENT_SECRET, token_lifetime=3600)
    install(app)
    [first] = app.slack.live_tokens("T0001")
    assert first.startswith("xoxe.xoxb-")

    app.slack.token_lifetime = 12 * 3600
    mark = app.slack.mark()
    app.user.command("UANA", "join")
    opened = app.slack.wait_for("views.open", since=mark)[-1]
    refreshes = [c for c in app.slack.calls[mark:] if c.method == "oauth.v2.access"]
    assert [c.args["grant_type"] for c in refreshes] == ["refresh_token"]
    assert opened.token != first and opened.token in app.slack.live_tokens("T0001")
    [bot_row] = [t for t in stored_tokens(app, "T0001")[:1]]
    assert Fernet(KEY).decrypt(bot_row.encode()).decode() == opened.token and "xoxb-" not in bot_row

    # The scheduler refreshes too, when the stored token is about to expire.
    with app.services.db.unit_of_work() as session:
        soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=10)
        session.execute(update(SLACK_BOTS).values(bot_token_expires_at=soon))
    client = Tokens(app.services.settings, app.services.installations, app.services.db).client_for("T0001")
    assert client.token not in (first, opened.token) and client.token in app.slack.live_tokens("T0001")


def test_processes_racing_to_rotate_one_token_refresh_it_once_and_share_it(oauth_app: Running) -> None:
    app = oauth_app
    app.slack.enable_oauth(CLIENT_ID, CLIENT_SECRET, token_lifetime=3600)
    install(app)
    [first] = app.slack.live_tokens("T0001")
    app.slack.token_lifetime = 12 * 3600
    settings = app.services.settings
    # Each "process" has its own engine, store and rotator: they share only the database (and Slack, which
    # revokes a refresh token once it is used).
    databases = [Database(settings.database_url) for _ in range(4)]
    processes = [Tokens(settings, installation_stores(settings, db.engine)[0], db) for db in databases]
    together = threading.Barrier(len(processes))

    def rotate(tokens: Tokens) -> str:
        together.wait()
        return str(tokens.client_for("T0001").token)

    mark = app.slack.mark()
    try:
        with ThreadPoolExecutor(len(processes)) as pool:
            tokens = list(pool.map(rotate, processes))
    finally:
        for db in databases:
            db.dispose()
    assert [c.args["grant_type"] for c in app.slack.calls[mark:] if c.method == "oauth.v2.access"] == ["refresh_token"]
    assert len(set(tokens)) == 1 and tokens[0] != first and tokens[0] in app.slack.live_tokens("T0001")
    with app.services.db.reading() as session:
        assert session.scalars(select(TokenRotation)).all() == [], "every lease is given back"


def test_a_new_secret_key_is_rolled_in_ahead_of_the_old_one(oauth_app: Running, oauth_settings: Settings) -> None:
    app = oauth_app
    install(app)
    [token] = app.slack.live_tokens("T0001")
    new_key = Fernet.generate_key().decode()
    for keys, readable in (((new_key, KEY), True), ((new_key,), False)):
        rolled = build(replace(oauth_settings, secret_keys=keys, slack_api_url=app.slack.base_url))
        try:
            if readable:
                assert rolled.tokens.client_for("T0001").token == token
            else:
                with pytest.raises(NotInstalled):
                    rolled.tokens.client_for("T0001")
        finally:
            rolled.close()


def test_a_grid_workspace_gets_its_scheduled_messages_from_its_own_install(oauth_app: Running) -> None:
    app = oauth_app
    app.user = SlackUserAgent(app.user.events_url, SIGNING_SECRET, app.slack, enterprise_id="E0001")
    assert install(app, enterprise_id="E0001").status == 200
    [token] = app.slack.live_tokens("T0001")
    pair_id = paired(app)

    mark = app.slack.mark()
    report = tick_at(app, START + timedelta(days=31))
    assert report.evaluations == 2 and report.delivery.sent >= 2, "the scheduler found the Grid workspace's bot"
    sent = [c for c in app.slack.calls[mark:] if c.method == "chat.postMessage"]
    assert sent and {c.token for c in sent} == {token}
    with app.services.db.unit_of_work() as session:
        assert session.get_one(Pair, pair_id).paused_at is None


def test_an_org_wide_install_is_refused_with_what_to_do_instead(oauth_app: Running) -> None:
    landing = install(oauth_app, team_id="", enterprise_id="E0001", org_wide=True)
    assert landing.status == 400
    assert "can&#x27;t be installed for a whole Enterprise Grid organisation" in landing.page
    assert "Install it in each workspace" in landing.page
    with oauth_app.services.db.unit_of_work() as session:
        assert session.execute(select(SLACK_BOTS.c.id)).all() == []
        assert session.execute(select(SLACK_INSTALLATIONS.c.id)).all() == []
