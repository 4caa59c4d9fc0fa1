"""Bringing a program's sign-up sheet in, through the upload form in Slack and `mentorbot import`: a preview
first, nothing stored until the admin confirms, then each imported person confirms (or edits, or says no)."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.imports.mapping import propose_mapping
from bot.imports.sheet import read_sheet
from sandbox.fake_slack import Call, email_of
from storage.models import DirectoryMember, Person, PersonStatus, Program
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, Running, run_mentorbot
from tests.steps import button_value, buttons, wait_until_stored
from tests.test_programs import create_program

SHEET = "\n".join(
    [
        "Timestamp,Email Address,Full name ,Would you like to be a mentor or a mentee?,"
        "What topics could you help others with?,How many mentees can you take on?,"
        "What would you like to learn?,Anyone you'd rather not be matched with?,Manager's email",
        f'2026/11/20 09:12,{email_of("Ben")},Ben,I\'d like to mentor,"Python; public speaking",2,,No,',
        f'2026/11/20 09:30,{email_of("Ana").upper()} ,ana,Mentee,,,"public speaking, python",n/a,{email_of("Cat")}',
        f"2026/11/20 10:01,{email_of('Cat')},Cat,Both,leading a team,two,sql,Ben,",
        '2026/11/20 10:02,nobody@elsewhere.example,Nobody Known,Mentee,,,"=HYPERLINK(""http://x"",""y"")",,',
    ]
).encode()


def import_env(app: Running) -> dict[str, str]:
    """The settings `mentorbot import` runs with against this app's database and fake Slack."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": app.slack.base_url.rstrip("/"),
        "DATABASE_URL": app.services.settings.database_url,
        "SCHEDULER": "off",
        "PATH": os.environ.get("PATH", ""),
    }


def open_import_form(app: Running, program: str = "buddies") -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    app.user.command("UADMIN", f"admin import {program}")
    view: dict[str, Any] = app.slack.wait_for("views.open", before + 1)[-1].args["view"]
    return view


def upload(app: Running, data: bytes, name: str = "signup.csv") -> Any:
    """Upload the sheet in the form; returns the preview DM (the report file arrives before it)."""
    dm = app.slack.dm_channel("UADMIN")
    before = len(app.slack.messages_to(dm))
    file_id = app.slack.add_file(name, data)
    reply = app.user.submit("UADMIN", open_import_form(app), {"file": [file_id]})
    assert reply.status == 200 and reply.body == "", reply.body
    return app.slack.wait_for_message(dm, before + 1)[-1]


def memberships(app: Running) -> dict[str, str]:
    with app.services.db.reading() as session:
        rows = session.execute(
            select(Person.slack_user_id, Person.status)
            .join(Program, Program.id == Person.program_id)
            .where(Program.slug == "buddies")
        ).all()
    return {user: str(status) for user, status in rows}


def test_an_admin_previews_a_sheet_confirms_it_and_each_person_confirms_or_declines(app: Running) -> None:
    create_program(app, "Buddies")
    form = open_import_form(app)
    assert form["title"]["text"] == "Import a sign-up sheet" and "file_input" in str(form["blocks"])

    preview = upload(app, SHEET)
    text = preview.text()
    assert "*Import into Buddies*: 3 ready, 1 needs attention, 0 refused." in text
    assert "Confirming adds *3*, updates *0*" in text and "Not imported until fixed" in text
    assert "nobody@elsewhere.example" in text or "Row 5" in text
    report = dict(app.slack.files_shared_in("DUADMIN"))["buddies-import-report.csv"].decode()
    assert "'=HYPERLINK" in report and "\n=HYPERLINK" not in report, "formulas are neutralised in the report"
    assert memberships(app) == {}, "nothing is stored before the admin confirms"

    mark = app.slack.mark()
    app.user.click("UADMIN", "import.confirm", value=button_value(preview, "import.confirm"), channel="DUADMIN")
    done = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "3 added, 0 updated, 0 unchanged" in done
    assert memberships(app) == {"UBEN": "invited", "UANA": "invited", "UCAT": "invited"}
    with app.services.db.reading() as session:
        ana = session.scalars(select(Person).where(Person.slack_user_id == "UANA")).one()
        cat = session.scalars(select(Person).where(Person.slack_user_id == "UCAT")).one()
        assert ana.goals == ["public speaking", "python"] and "UCAT" in ana.do_not_match, "never with a manager"
        assert "UANA" in cat.do_not_match and "UBEN" in cat.do_not_match, "nor their report, nor whom they avoid"

    ask = app.slack.wait_for_message("DUANA")[-1]
    assert "added you from their sign-up sheet" in ask.text() and "Only you and this program's admins" in ask.text()
    mark = app.slack.mark()
    app.user.click("UANA", "import.invitation_confirm", value=button_value(ask, "import.invitation_confirm"))
    assert "You're in *Buddies*" in app.slack.wait_for("response_url", since=mark)[-1].text()
    ben_ask = app.slack.wait_for_message("DUBEN")[-1]
    mark = app.slack.mark()
    app.user.click("UBEN", "import.invitation_decline", value=button_value(ben_ask, "import.invitation_decline"))
    assert "you're not in *Buddies*" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert memberships(app) == {"UANA": "active", "UCAT": "invited"}
    mark = app.slack.mark()
    app.user.click("UANA", "import.invitation_decline", value=button_value(ask, "import.invitation_decline"))
    assert "already answered" in app.slack.wait_for("response_url", since=mark)[-1].text()


def test_importing_the_same_sheet_again_changes_nothing_and_an_updated_one_only_what_changed(app: Running) -> None:
    create_program(app, "Buddies")
    first = upload(app, SHEET)
    app.user.click("UADMIN", "import.confirm", value=button_value(first, "import.confirm"), channel="DUADMIN")
    app.slack.wait_until("imported", lambda _: len(memberships(app)) == 3)

    again = upload(app, SHEET)
    assert "adds *0*, updates *0* and leaves *3*" in again.text() and "Nothing would change" in again.text()
    assert "import.confirm" not in [b["action_id"] for b in buttons(again.args["blocks"])]

    updated = upload(app, SHEET.replace(b'Python; public speaking",2', b'Python; public speaking",3'))
    assert "adds *0*, updates *1*" in updated.text() and "<@UBEN> (row 2): capacity" in updated.text()


def test_a_file_that_is_not_a_sheet_is_refused_and_nothing_is_stored(app: Running) -> None:
    create_program(app, "Buddies")
    refused = upload(app, b"%PDF-1.7 not a sheet", "signup.pdf")
    assert "I couldn't read that sheet" in refused.text() and "Nothing was stored" in refused.text()
    reply = app.user.submit("UADMIN", open_import_form(app), {"file": []})
    assert "Attach the sheet" in reply.body
    assert memberships(app) == {}


def test_mentorbot_import_previews_and_applies_from_the_command_line(app: Running, tmp_path: Path) -> None:
    create_program(app, "Buddies")
    sheet = tmp_path / "signup.csv"
    sheet.write_bytes(SHEET)
    env = import_env(app)
    report = tmp_path / "report.csv"
    result = run_mentorbot(
        ["import", str(sheet), "--program", "buddies", "--yes", "--report", str(report)], env, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Buddies: 3 ready, 1 needs attention, 0 refused." in result.stdout
    assert "Applied: 3 asked to confirm" in result.stdout and report.read_bytes().startswith(b"\xef\xbb\xbf")
    assert memberships(app) == {"UBEN": "invited", "UANA": "invited", "UCAT": "invited"}
    again = run_mentorbot(["import", str(sheet), "--program", "buddies", "--yes"], env, tmp_path)
    assert again.returncode == 0 and "Nothing to apply." in again.stdout
    unknown = run_mentorbot(["import", str(sheet), "--program", "nope", "--yes"], env, tmp_path)
    assert unknown.returncode == 2 and "no program called 'nope'" in unknown.stderr


def test_the_directory_is_read_once_at_the_tier_then_kept_current_by_events(app: Running) -> None:
    for n in range(230):
        app.slack.add_user(f"UX{n:04d}", f"Extra Person {n}")
    app.slack.users_list_per_minute = 20
    create_program(app, "Buddies")
    first = upload(app, SHEET)
    assert "3 ready" in first.text()
    pages = len(app.slack.calls_to("users.list"))
    assert pages == 2, "236 members in pages of 200, asked for no faster than the tier allows"
    assert app.slack.attempts.get("rate_limited", 0) == 0
    with app.services.db.reading() as session:
        kept = session.scalar(select(func.count()).select_from(DirectoryMember))
        assert kept == len(app.slack.users)
        assert session.scalars(select(Program.import_mapping).where(Program.slug == "buddies")).one() == {}

    app.user.click("UADMIN", "import.confirm", value=button_value(first, "import.confirm"), channel="DUADMIN")
    app.slack.wait_until("imported", lambda _: len(memberships(app)) == 3)
    with app.services.db.reading() as session:
        remembered = session.scalars(select(Program.import_mapping).where(Program.slug == "buddies")).one()
    assert "email" in remembered["columns"], "the sheet's mapping is remembered for the program's next import"

    newcomer = {"id": "UNEW", "name": "nora", "profile": {"real_name": "Nora New", "email": "nora@example.com"}}
    app.user.event({"type": "team_join", "user": newcomer})
    moved = {**app.slack.users["UDAN"], "profile": {"real_name": "Dan", "email": "dan.new@example.com"}}
    app.user.event({"type": "user_change", "user": moved})
    wait_until_stored(
        app,
        lambda _: (_email_of(app, "UDAN"), _email_of(app, "UNEW")) == ("dan.new@example.com", "nora@example.com"),
    )

    sheet = SHEET + b"\n2026/11/21 08:00,nora@example.com,Nora New,Mentee,,,sql,,"
    again = upload(app, sheet)
    assert "adds *1*" in again.text() and len(app.slack.calls_to("users.list")) == pages, "read from the kept one"


def _email_of(app: Running, user_id: str) -> str:
    with app.services.db.reading() as session:
        member = session.get(DirectoryMember, (app.slack.team_id, user_id))
        return member.email if member else ""


def test_the_example_sheet_in_the_readme_is_read_as_the_readme_says() -> None:
    sheet = read_sheet((Path(__file__).parent.parent / "examples" / "signup-sheet.csv").read_bytes())
    mapping = propose_mapping(sheet)
    for target in ("email", "name", "role", "topics_offered", "capacity", "topics_wanted", "avoid_people"):
        assert target in mapping.columns, (target, mapping.columns)
    assert len(sheet.rows) == 5


def _is_consent(call: Call, user: str) -> bool:
    return call.args.get("channel") == f"D{user}" and "import.invitation_confirm" in str(call.args)


def _asked_to_confirm(user: str, calls: list[Call]) -> bool:
    return any(_is_consent(c, user) for c in calls)


def test_a_preferred_person_in_the_sheet_lifts_that_mentor_in_find_and_stays_private(
    app: Running, tmp_path: Path
) -> None:
    for user, name in (("UMIA", "Mia"), ("UNOA", "Noa"), ("UOLI", "Oli")):
        app.slack.add_user(user, name, "Europe/Paris")
    create_program(app, "Buddies")
    sheet = tmp_path / "prefer.csv"
    sheet.write_text(
        "Email,Name,Role,Topics offered,Topics wanted,Capacity,Anyone you'd especially like to be matched with?\n"
        f"{email_of('Mia')},Mia,Mentor,python,,2,\n"
        f"{email_of('Noa')},Noa,Mentor,python,,2,\n"
        f"{email_of('Oli')},Oli,Mentee,,python,,Noa\n"
    )
    env = import_env(app)
    result = run_mentorbot(["import", str(sheet), "--program", "buddies", "--yes"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    with app.services.db.reading() as session:
        preferred = dict(session.execute(select(Person.slack_user_id, Person.preferred)).all())
    assert preferred["UOLI"] == ["UNOA"] and preferred["UMIA"] == [] and preferred["UNOA"] == []
    consent = app.slack.wait_until(
        "Oli's consent DM", lambda calls: any(c.args.get("channel") == "DUOLI" for c in calls)
    )
    invite = next(c for c in consent if c.args.get("channel") == "DUOLI")
    assert "You'd like to be matched with:* <@UNOA>" in invite.text()
    for user in ("UMIA", "UNOA", "UOLI"):
        asked = app.slack.wait_until(f"{user}'s consent DM", partial(_asked_to_confirm, user))
        message = next(c for c in asked if _is_consent(c, user))
        value = button_value(message, "import.invitation_confirm")
        app.user.click(user, "import.invitation_confirm", value=value, channel=f"D{user}")
    # Each confirmation is a worker's job: find once all three are stored, as a person would after the answers.
    wait_until_stored(
        app,
        lambda session: (
            session.scalar(select(func.count()).select_from(Person).where(Person.status == PersonStatus.ACTIVE)) == 3
        ),
    )
    mark = app.slack.mark()
    app.user.command("UOLI", "find python")
    ranked = app.slack.wait_for("response_url", since=mark)[-1].text()
    assert ranked.index("<@UNOA>") < ranked.index("<@UMIA>"), "the mentor Oli named comes first"
    assert "prefer" not in ranked.lower() and "named" not in ranked.lower(), "who named whom stays private"
