"""`/mentor` and `/mentor help` list what the bot can do; unknown subcommands get the same help."""

from tests.conftest import Running


def test_bare_command_lists_subcommands(app: Running) -> None:
    reply = app.user.command("UANA", "")
    assert reply.status == 200
    text = reply.text()
    assert "/mentor join" in text and "/mentor leave" in text and "/mentor help" in text


def test_help_lists_subcommands(app: Running) -> None:
    assert "/mentor join" in app.user.command("UANA", "help").text()


def test_unknown_subcommand_says_so_and_shows_help(app: Running) -> None:
    text = app.user.command("UANA", "dance tonight").text()
    assert "I don't know “dance”" in text
    assert "/mentor join" in text


def test_unknown_subcommand_is_escaped(app: Running) -> None:
    text = app.user.command("UANA", "<!channel>").text()
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text


def test_text_that_mentions_payload_is_still_a_command(app: Running) -> None:
    text = app.user.command("UANA", "payload engineering").text()
    assert "I don't know “payload”" in text
