"""How an import reads a sheet's columns, shown to the admin to confirm or change (in Slack and with
`mentorbot import --map`), and remembered per program for its next import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.imports.mapping import Target, header_groups, headers_read, propose_mapping, question_target, target_named
from bot.imports.sheet import read_sheet
from bot.views.blocks import MODAL_BLOCKS_LIMIT, OPTION_TEXT_LIMIT, PRIVATE_METADATA_LIMIT, VALUE_LIMIT
from sandbox.fake_slack import Call, email_of
from storage.models import Person, Program
from tests.conftest import Running, run_mentorbot
from tests.steps import button_value, buttons
from tests.test_import import SHEET, import_env, memberships, upload
from tests.test_import_sheet import FORMS_EXPORT
from tests.test_import_sheet import OFFICE as FORMS_OFFICE
from tests.test_programs import create_program

OFFICE = "Which office are you in? | Berlin, London, Remote"


def change_columns(app: Running, preview: Call) -> dict[str, Any]:
    """Click Change the columns under a preview; returns the form once the sheet's headers are in it."""
    mark = app.slack.mark()
    reply = app.user.click("UADMIN", "import.columns", button_value(preview, "import.columns"), channel="DUADMIN")
    assert reply.status == 200
    loading = app.slack.wait_for("views.open", since=mark)[-1].args["view"]
    assert "Reading your sheet's columns" in json.dumps(loading)
    view: dict[str, Any] = app.slack.wait_for("views.update", since=mark)[-1].args["view"]
    return view


def menus(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The form's menus by the header they are for."""
    return {block["label"]["text"]: block for block in view["blocks"] if block["type"] == "input"}


def as_prefilled(view: dict[str, Any], **changed: str) -> dict[str, str]:
    """What submitting the form sends: every menu as prefilled, but the headers in `changed` (by label)."""
    chosen = {label: block["element"]["initial_option"]["value"] for label, block in menus(view).items()}
    chosen.update(changed)
    return {menus(view)[label]["block_id"]: value for label, value in chosen.items()}


def submit_columns(app: Running, view: dict[str, Any], **changed: str) -> Call:
    """Submit the form with these changes; returns the new preview in the admin's DM."""
    before = len(app.slack.messages_to("DUADMIN"))
    reply = app.user.submit("UADMIN", view, as_prefilled(view, **changed))
    assert reply.status == 200 and reply.body == "", reply.body
    return app.slack.wait_for_message("DUADMIN", before + 1)[-1]


def stored_mapping(app: Running) -> dict[str, Any]:
    with app.services.db.reading() as session:
        mapping: dict[str, Any] = session.scalars(select(Program.import_mapping).where(Program.slug == "buddies")).one()
    return mapping


def do_not_match(app: Running, user_id: str) -> list[str]:
    with app.services.db.reading() as session:
        return list(session.scalars(select(Person.do_not_match).where(Person.slack_user_id == user_id)).one())


def test_an_admin_sees_how_each_column_was_read_changes_one_and_the_program_remembers_it(app: Running) -> None:
    create_program(app, "Buddies", questions=OFFICE)
    preview = upload(app, SHEET)
    text = preview.text()
    assert "*How the columns were read* (from the sheet)" in text
    assert "Email Address → email (" in text and "Manager's email → manager's email (" in text
    assert "*Nothing found for:* Timestamp" in text
    assert [b["action_id"] for b in buttons(preview.args["blocks"])] == [
        "import.confirm",
        "import.columns",
        "import.cancel",
    ]

    form = change_columns(app, preview)
    shown = menus(form)
    assert list(shown) == SHEET.decode().splitlines()[0].replace("Full name ", "Full name").split(",")
    assert shown["Email Address"]["element"]["initial_option"]["value"] == "email"
    assert shown["Timestamp"]["element"]["initial_option"]["value"] == "ignore"
    options = [o["text"]["text"] for o in shown["Timestamp"]["element"]["options"]]
    assert options[0] == "Ignore this column" and "manager's email" in options and "people to avoid" in options
    assert "answers to “Which office are you in?”" in options, "the program's own questions are targets too"
    assert "e.g. “2026/11/20 09:12”" in shown["Timestamp"]["hint"]["text"], "a value shows what the column holds"

    changed = submit_columns(app, form, **{"Manager's email": "ignore"})
    assert "*How the columns were read* (as you chose)" in changed.text()
    assert "*Not read:* Timestamp, Manager's email" in changed.text() and "3 ready" in changed.text()
    assert memberships(app) == {} and stored_mapping(app) == {}, "changing the columns stores nothing"
    report = [name for name, _ in app.slack.files_shared_in("DUADMIN")]
    assert report.count("buddies-import-report.csv") == 2, "each preview comes with its report"
    again = change_columns(app, changed)
    assert menus(again)["Manager's email"]["element"]["initial_option"]["value"] == "ignore", "as chosen, not proposed"

    mark = app.slack.mark()
    app.user.click("UADMIN", "import.confirm", button_value(changed, "import.confirm"), channel="DUADMIN")
    assert "3 added" in app.slack.wait_for("response_url", since=mark)[-1].text()
    assert "UCAT" not in do_not_match(app, "UANA"), "the manager column was ignored, as the admin chose"
    remembered = stored_mapping(app)
    assert "manager_email" not in remembered["columns"] and "email" in remembered["columns"]

    reimported = upload(app, SHEET)
    assert "*How the columns were read* (as at the last import)" in reimported.text()
    assert "*Not read:* Timestamp, Manager's email" in reimported.text()
    assert "adds *0*, updates *0* and leaves *3*" in reimported.text()


def test_a_choice_of_columns_that_cant_be_read_is_refused_in_the_form(app: Running) -> None:
    create_program(app, "Buddies")
    form = change_columns(app, upload(app, SHEET))
    sent = len(app.slack.messages_to("DUADMIN"))

    twice = app.user.submit("UADMIN", form, as_prefilled(form, **{"Full name": "email"}))
    assert twice.json()["response_action"] == "errors"
    assert twice.json()["errors"] == {
        menus(form)["Full name"]["block_id"]: "“Email Address” is already read as email, which comes from one column "
        "only.",
        menus(form)["Email Address"]["block_id"]: "“Full name” is already read as email, which comes from one column "
        "only.",
    }, "both menus say so, as either may be the one to change"

    nobody = app.user.submit("UADMIN", form, as_prefilled(form, **{"Email Address": "ignore", "Full name": "ignore"}))
    assert list(nobody.json()["errors"].values()) == [
        "Pick a column that says who each row is: email, Slack ID, Slack handle or name."
    ]
    two_managers = as_prefilled(form, **{"Anyone you'd rather not be matched with?": "manager_email"})
    assert "“Anyone you'd rather not be matched with?” is already read as manager's email" in str(
        app.user.submit("UADMIN", form, two_managers).json()["errors"]
    )
    assert len(app.slack.messages_to("DUADMIN")) == sent and memberships(app) == {}


def test_a_sheet_with_very_many_columns_shows_the_first_forty_and_keeps_the_rest_as_read(app: Running) -> None:
    create_program(app, "Buddies")
    extras = [f"Extra question number {n} with a long header that runs on and on past what fits" for n in range(60)]
    lines = [",".join([*extras, "Email", "Full name", "Role"])]
    lines += [",".join([*("x" for _ in extras), email_of(name), name, "Mentee"]) for name in ("Ana", "Ben")]
    form = change_columns(app, upload(app, "\n".join(lines).encode()))

    assert len(form["blocks"]) <= MODAL_BLOCKS_LIMIT and len(menus(form)) == 40
    assert "The first 40 of 63 headers are shown; the other 23 are read as the preview says." in json.dumps(form)
    assert len(form["private_metadata"]) <= PRIVATE_METADATA_LIMIT
    assert all(
        len(o["text"]["text"]) <= OPTION_TEXT_LIMIT for b in menus(form).values() for o in b["element"]["options"]
    )
    # Every shown column ignored: the email column after them still says who each row is.
    preview = submit_columns(app, form, **dict.fromkeys(menus(form), "ignore"))
    assert "2 ready" in preview.text() and "Email → email" in preview.text()
    assert len(button_value(preview, "import.confirm")) <= VALUE_LIMIT
    refused = app.user.submit("UADMIN", form, as_prefilled(form, **{extras[0]: "email"}))
    assert refused.json()["errors"] == {
        menus(form)[extras[0]][
            "block_id"
        ]: "A column after the first 40 is already read as email, which comes from one column only."
    }


def test_mentorbot_import_reads_the_columns_as_the_operator_maps_them(app: Running, tmp_path: Path) -> None:
    create_program(app, "Buddies")
    sheet = tmp_path / "signup.csv"
    sheet.write_bytes(SHEET)
    env = import_env(app)
    command = ["import", str(sheet), "--program", "buddies", "--yes"]

    unknown = run_mentorbot([*command, "--map", "Office=email", "--map", "Full name=boss"], env, tmp_path)
    assert unknown.returncode == 2
    assert "--map 'Office=email': no such header or target" in unknown.stderr
    assert "--map 'Full name=boss': no such header or target" in unknown.stderr
    assert "Headers: Timestamp; Email Address; Full name;" in unknown.stderr
    clash = run_mentorbot([*command, "--map", "full NAME=email"], env, tmp_path)
    assert clash.returncode == 2 and "“Email Address” is already read as email" in clash.stderr
    assert memberships(app) == {}

    result = run_mentorbot([*command, "--map", "Manager's email=ignore", "--map", "Timestamp=ignore"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  Email Address → email (" in result.stdout and "  Manager's email: not read" in result.stdout
    assert memberships(app) == {"UBEN": "invited", "UANA": "invited", "UCAT": "invited"}
    assert "UCAT" not in do_not_match(app, "UANA") and "manager_email" not in stored_mapping(app)["columns"]
    again = run_mentorbot(command, env, tmp_path)
    assert "Manager's email: not read" in again.stdout and "Nothing to apply." in again.stdout, "remembered"


def test_a_sheet_with_no_column_found_for_who_each_row_is_can_be_fixed_by_saying_which(app: Running) -> None:
    create_program(app, "Buddies")
    refused = upload(app, b"Participant,Role\nAna,Mentee\nBen,Mentor\n")
    assert "No column says who each row is" in refused.text() and "Nothing was stored" in refused.text()

    form = change_columns(app, refused)
    assert menus(form)["Participant"]["element"]["initial_option"]["value"] == "ignore"
    preview = submit_columns(app, form, Participant="name")
    assert "2 ready" in preview.text() and "Participant → name (100 %)" in preview.text()


def test_choices_cover_every_column_of_a_repeated_header_and_targets_are_named_as_operators_write_them() -> None:
    sheet = read_sheet(FORMS_EXPORT.read_bytes())
    proposed = propose_mapping(sheet, [FORMS_OFFICE])
    office = question_target(FORMS_OFFICE)
    assert proposed.columns[Target.AVOID_PEOPLE] == [6, 9] and proposed.columns[office] == [7, 10]

    chosen = proposed.choose(header_groups(sheet), {6: "", 7: Target.DEPARTMENT})
    assert chosen.columns[Target.DEPARTMENT] == [7, 10] and chosen.confidence[Target.DEPARTMENT] == 1.0
    assert Target.AVOID_PEOPLE not in chosen.columns and office not in chosen.columns
    assert chosen.unmapped == [0, 6, 9] and chosen.columns[Target.EMAIL] == proposed.columns[Target.EMAIL]
    assert [h.label for h in headers_read(sheet, chosen) if not h.target] == [
        "Timestamp",
        "Anyone you'd rather not be matched with?",
    ]

    assert target_named("Topics Offered", [FORMS_OFFICE]) == Target.TOPICS_OFFERED
    assert target_named("manager-email", []) == Target.MANAGER_EMAIL
    assert target_named("q1", [FORMS_OFFICE]) == office and target_named("q2", [FORMS_OFFICE]) is None
    assert target_named(" Ignore ", []) == "" and target_named("boss", []) is None
