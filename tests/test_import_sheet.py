"""Bulk enrolment from a program's own spreadsheet (pure): reading, mapping, cleaning, finding people, the
preview an admin sees before anything is stored, its downloadable report, and what a re-import would change."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.imports.directory import Directory, DirectoryEntry, How
from bot.imports.mapping import (
    Mapping,
    Target,
    apply_remembered,
    is_none_answer,
    merged_value,
    parse_answer,
    parse_capacity,
    parse_role,
    parse_timezone,
    propose_mapping,
    question_target,
    split_list,
)
from bot.imports.preview import (
    Preview,
    RowOutcome,
    Status,
    build_preview,
    diff,
    inert_cell,
    ready_people,
    report_csv,
    row_line,
)
from bot.imports.sheet import MAX_BYTES, MAX_ROWS, SheetRefused, read_sheet
from bot.questions import Kind, Question, Rule
from storage.vocabulary import Role

FORMS_EXPORT = Path(__file__).parent / "fixtures" / "import" / "forms-export.csv"
OFFICE = Question("q1", "Which office are you in?", Kind.SINGLE, ("Berlin", "London", "Remote"), Rule.MUST_MATCH)
JUNK = ["No", "no ", '"""No"""', "Np", "n/a", "N/A", "-", "none", "nobody", "no one", "nil", "—", ""]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def member(user_id: str, real_name: str, email: str, **flags: bool) -> DirectoryEntry:
    first = real_name.split()[0].lower()
    return DirectoryEntry(user_id, first, real_name, first, email, **flags)


WORKSPACE = Directory(
    [
        member("U01ANA000", "Ana Silva", "ana.silva@example.com"),
        member("U02BEN000", "Ben Okafor", "ben@example.com"),
        member("U03CHR000", "Christiana Buckner", "christiana@example.com"),
        member("U04DAN000", "Dan Brown", "dan@example.com"),
        member("U05EVA000", "Eva Green", "eva@example.com"),
        member("U06LEE000", "Lee Wong", "lee.wong@example.com"),
        member("U07FRA000", "Frank Ocean", "frank@example.com"),
        member("U08MAR000", "Maria Garcia", "maria@example.com"),
        member("U09MAR000", "Mario Garcia", "mario@example.com"),
        member("U10OLD000", "Old Timer", "old@example.com", deleted=True),
        member("U11BOT000", "Helper Bot", "helper@example.com", is_bot=True),
    ]
)


def forms_preview(data: bytes | None = None) -> Preview:
    sheet = read_sheet(FORMS_EXPORT.read_bytes() if data is None else data)
    return build_preview(sheet, propose_mapping(sheet, [OFFICE]), WORKSPACE, [OFFICE])


def row(preview: Preview, number: int) -> RowOutcome:
    return next(outcome for outcome in preview.rows if outcome.row_number == number)


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_forms_export_with_repeated_blocks_maps_long_questions_and_keeps_row_numbers() -> None:
    sheet = read_sheet(FORMS_EXPORT.read_bytes())

    assert sheet.headers[2] == "Full name"
    assert sheet.headers[9] == "Anyone you'd rather not be matched with? (2)"
    assert sheet.original_headers[9] == "Anyone you'd rather not be matched with?"
    assert sheet.source_rows == [2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    mapping = propose_mapping(sheet, [OFFICE])
    assert mapping.columns == {
        Target.EMAIL: [1],
        Target.NAME: [2],
        Target.ROLE: [3],
        Target.TOPICS_OFFERED: [4],
        Target.CAPACITY: [5],
        Target.AVOID_PEOPLE: [6, 9],
        question_target(OFFICE): [7, 10],
        Target.TOPICS_WANTED: [8],
        Target.TIMEZONE: [11],
        Target.HANDLE: [12],
        Target.PREFERRED_PEOPLE: [13],
    }
    assert mapping.unmapped == [0]
    assert all(score >= 0.6 for score in mapping.confidence.values())
    ben = sheet.rows[1]
    assert merged_value(ben, mapping.columns[question_target(OFFICE)]) == "london"
    assert merged_value(ben, mapping.columns[Target.AVOID_PEOPLE]) == '"No"'


def test_forms_export_preview_says_row_by_row_what_is_ready_and_why_not() -> None:
    preview = forms_preview()

    ana = row(preview, 2)
    assert (ana.status, ana.reasons) == (Status.READY, [])
    assert ana.became == {
        "user_id": "U01ANA000",
        "role": "mentor",
        "topics_offered": ["python", "public speaking", "sql"],
        "topics_wanted": [],
        "capacity": 2,
        "timezone": "Europe/Berlin",
        "prefer_user_ids": [],
        "avoid_user_ids": [],
        "answers": {"q1": "Berlin"},
    }
    ben = row(preview, 3)
    assert ben.status is Status.READY
    assert ben.became["user_id"] == "U02BEN000"
    assert ben.became["topics_wanted"] == ["leadership", "negotiation", "public speaking"]
    assert ben.became["answers"] == {"q1": "London"}
    assert ben.became["prefer_user_ids"] == ["U03CHR000"]
    assert ben.reasons == ["preferred: Christian Buckner → Christiana Buckner, 97 %"]
    christiana = row(preview, 4)
    assert (christiana.became["role"], christiana.became["capacity"]) == ("both", 2)
    assert christiana.became["timezone"] == "America/New_York"
    dan = row(preview, 5)
    assert dan.status is Status.ATTENTION
    assert dan.reasons == ["capacity: “lots” is not a number", "Dan Browne → Dan Brown, 95 %"]
    eva = row(preview, 6)
    assert (eva.status, eva.became["avoid_user_ids"]) == (Status.READY, [])
    assert eva.reasons == ["avoid “Eva Green” is this person: left out"]
    assert row(preview, 8).reasons == ["row 8 is the same person as row 2"]
    assert row(preview, 9).reasons == ["“Sometimes?” is not a role: use mentor, mentee or both"]
    assert row(preview, 10).reasons[0] == "no Slack member has the email nobody@example.com"
    assert (row(preview, 11).status, row(preview, 11).reasons) == (
        Status.REFUSED,
        ["old@example.com is a deactivated account in Slack"],
    )
    assert row(preview, 12).reasons == ["nothing in this row says who it is"]
    frank = row(preview, 13)
    assert frank.status is Status.ATTENTION
    assert frank.reasons == ["avoid “Mari Garcia”: could be Maria Garcia (96 %), Mario Garcia (96 %)"]
    assert frank.became["prefer_user_ids"] == ["U02BEN000", "U01ANA000"]
    assert [row.status for row in preview.rows].count(Status.ATTENTION) == 5
    assert preview.summary == "4 ready, 5 need attention, 2 refused"


@pytest.mark.parametrize("junk", JUNK)
def test_a_junk_answer_means_none_and_is_never_taken_for_a_person(junk: str) -> None:
    data = f'Email,Avoid,Preferred people\nana.silva@example.com,"{junk.replace(chr(34), 2 * chr(34))}",{junk}\n'
    sheet = read_sheet(data.encode())
    preview = build_preview(sheet, propose_mapping(sheet), WORKSPACE)

    assert is_none_answer(junk)
    assert split_list(junk) == []
    outcome = preview.rows[0]
    assert (outcome.became.get("avoid_user_ids"), outcome.became.get("prefer_user_ids")) == ([], [])
    assert not any("avoid" in reason or "preferred" in reason for reason in outcome.reasons)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(JUNK), st.sampled_from(["", " ", "  ", "."]), st.booleans())
def test_junk_answers_stay_none_whatever_their_case_and_padding(junk: str, padding: str, upper: bool) -> None:
    text = f"{padding}{junk.upper() if upper else junk}{padding}"
    assert is_none_answer(text)
    assert WORKSPACE.resolve(name=text).user_id is None


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("I'd like to mentor", Role.MENTOR),
        ("MENTOR", Role.MENTOR),
        ("Mentee", Role.MENTEE),
        ("Be mentored", Role.MENTEE),
        ("I’d like a mentor", Role.MENTEE),
        ("Both", Role.BOTH),
        ("mentor & mentee", Role.BOTH),
        ("Sometimes?", None),
        ("Mentoring", None),
        ("", None),
    ],
)
def test_roles_are_read_from_messy_text(text: str, role: Role | None) -> None:
    assert parse_role(text) is role


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", (2, "")),
        ("two", (2, "")),
        ("2 mentees", (2, "")),
        ("1-2", (1, "")),
        ("", (None, "")),
        ("n/a", (None, "")),
        ("lots", (None, "“lots” is not a number")),
        ("2.5", (None, "“2.5” is not a whole number")),
        ("12", (None, "12 mentees is more than the 10 a mentor may take")),
    ],
)
def test_capacity_is_a_whole_number_or_a_problem(text: str, expected: tuple[int | None, str]) -> None:
    assert parse_capacity(text) == expected


def test_lists_split_on_semicolons_commas_lines_and_and() -> None:
    assert split_list("Ana Silva; Ben Okafor and eva@example.com,\n n/a, ana silva") == [
        "Ana Silva",
        "Ben Okafor",
        "eva@example.com",
    ]


@pytest.mark.parametrize(
    ("place", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/london", "Europe/London"),
        ("Berlin, Germany", "Europe/Berlin"),
        ("Remote (Lisbon)", "Europe/Lisbon"),
        ("New York", "America/New_York"),
        ("NYC", "America/New_York"),
        ("Bangalore", "Asia/Kolkata"),
        ("Berln", "Europe/Berlin"),
        ("UTC+2", "Etc/GMT-2"),
        ("Remote", None),
    ],
)
def test_time_zones_come_from_zone_names_cities_and_offsets(place: str, zone: str | None) -> None:
    assert parse_timezone(place) == zone


def test_choice_answers_forgive_case_and_a_typo_but_not_another_answer() -> None:
    assert parse_answer(OFFICE, "london ") == ("London", "")
    assert parse_answer(OFFICE, "Londn") == ("London", "")
    assert parse_answer(OFFICE, "Paris") == (None, "“Paris” is not one of Berlin, London, Remote")
    several = Question("q2", "Languages?", Kind.MULTIPLE, ("English", "German", "French"))
    assert parse_answer(several, "english; German and french") == (["English", "German", "French"], "")


def test_hr_export_xlsx_reads_dates_numbers_and_manager_emails() -> None:
    data = xlsx(
        [
            ["Employee Name", "Work Email", "Department", "Manager Email", "Start Date", "Mentoring capacity", "Role "],
            [
                "Ana Silva",
                "Ana.Silva@Example.com",
                "Engineering",
                "ben@example.com",
                datetime(2021, 4, 1),
                2.0,
                "Mentor",
            ],
            [None] * 7,
            ["Ben Okafor", "ben@example.com", "Engineering", "", date(2019, 1, 7), None, "Mentee"],
            [
                "Eva Green",
                "eva@example.com",
                "Design ",
                "ana.silva@example.com",
                datetime(2022, 9, 1, 9, 30),
                3,
                "both",
            ],
        ]
    )
    sheet = read_sheet(data)

    assert sheet.rows[0][4:6] == ["2021-04-01", "2"]
    assert sheet.rows[2][4] == "2022-09-01T09:30:00"
    assert sheet.source_rows == [2, 4, 5]
    mapping = propose_mapping(sheet)
    assert mapping.columns[Target.EMAIL] == [1]
    assert mapping.columns[Target.MANAGER_EMAIL] == [3]
    assert mapping.columns[Target.DEPARTMENT] == [2]
    assert mapping.unmapped == [4]
    preview = build_preview(sheet, mapping, WORKSPACE)
    assert [r.status for r in preview.rows] == [Status.READY] * 3
    ana, ben, eva = (r.became for r in preview.rows)
    assert (ana["user_id"], ana["manager_user_id"], ana["capacity"]) == ("U01ANA000", "U02BEN000", 2)
    assert "manager_user_id" not in ben
    assert (eva["manager_user_id"], eva["department"], eva["role"]) == ("U01ANA000", "Design", "both")


def test_a_close_name_is_matched_with_its_confidence_and_similar_names_need_a_choice() -> None:
    close = WORKSPACE.resolve(name="Christian Buckner")
    assert (close.user_id, close.how, round(close.confidence, 2)) == ("U03CHR000", How.NAME, 0.97)
    reordered = WORKSPACE.resolve(name="buckner, christiana")
    assert (reordered.user_id, reordered.confidence) == ("U03CHR000", 1.0)

    similar = WORKSPACE.resolve(name="Mari Garcia")
    assert similar.user_id is None
    assert [c[0] for c in similar.candidates] == ["U08MAR000", "U09MAR000"]
    assert similar.problem == "could be Maria Garcia (96 %), Mario Garcia (96 %)"


def test_deactivated_and_bot_accounts_are_never_matched() -> None:
    assert WORKSPACE.resolve(name="Old Timer").user_id is None
    assert WORKSPACE.resolve(slack_id="U11BOT000").problem == "U11BOT000 is a bot in Slack"
    by_email = WORKSPACE.resolve(email="OLD@example.com")
    assert (by_email.user_id, by_email.final) == (None, True)


def test_an_email_matching_nobody_is_not_overruled_by_a_namesake() -> None:
    found = WORKSPACE.resolve(email="ana.s@elsewhere.com", name="Ana Silva")
    assert found.user_id is None
    assert found.problem == "no Slack member has the email ana.s@elsewhere.com; the name is like Ana Silva"
    assert WORKSPACE.resolve(email="ben@example.com", slack_id="<@U01ANA000|ana>").problem == (
        "the Slack ID and the email are different people (Ana Silva, Ben Okafor)"
    )


def _many_rows() -> bytes:
    return ("Email\n" + "a@example.com\n" * (MAX_ROWS + 1)).encode()


def _zip_that_is_not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This is a PDF, not a spreadsheet: upload a .csv or .xlsx file."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "This is a PNG image, not a spreadsheet: upload a .csv or .xlsx file.",
        ),
        (b"", "The file is empty."),
        (b"\n ,, \n", "The file is empty."),
        (b"Name,Email\n,\n", "The sheet has a header row but no rows under it."),
        (b"x" * (MAX_BYTES + 1), "The file is 5.0 MB; the most we read is 5 MB."),
        (_many_rows(), "The sheet has more than 10,000 rows: split it into smaller files."),
        (_zip_that_is_not_a_workbook(), "This is a zip file but not an .xlsx workbook: save it as .xlsx or .csv."),
        (
            b"ana@example.com,Ana Silva\nben@example.com,Ben Okafor\n",
            "Row 1 looks like data (\u201cana@example.com\u201d), not a header: add a first row naming each column.",
        ),
    ],
    ids=["pdf", "png", "empty", "blank", "header-only", "oversized", "too-many-rows", "zip", "no-header"],
)
def test_files_that_are_not_a_readable_sheet_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SheetRefused) as refused:
        read_sheet(data)
    assert refused.value.reason == reason


def test_a_sheet_without_any_column_saying_who_is_refused() -> None:
    sheet = read_sheet(b"Topics,Would you like to mentor or be mentored?\npython,mentor\nsql,mentee\n")
    with pytest.raises(SheetRefused, match="No column says who each row is"):
        build_preview(sheet, propose_mapping(sheet), WORKSPACE)


@pytest.mark.parametrize(
    "data",
    [
        "Name;Email;Topics\nJosé Núñez;jose@example.com;python, sql\n".encode("cp1252"),
        "\ufeffName\tEmail\tTopics\nJosé Núñez\tjose@example.com\tpython, sql\n".encode(),
        "Name\tEmail\tTopics\nJosé Núñez\tjose@example.com\tpython, sql\n".encode("utf-16"),
    ],
    ids=["semicolon-cp1252", "tab-utf8-bom", "utf16"],
)
def test_csv_delimiters_and_encodings_are_detected(data: bytes) -> None:
    sheet = read_sheet(data)
    assert (sheet.headers, sheet.rows) == (
        ["Name", "Email", "Topics"],
        [["José Núñez", "jose@example.com", "python, sql"]],
    )


def test_report_cells_cannot_run_as_formulas_and_slack_lines_cannot_ping() -> None:
    preview = forms_preview()
    report = list(csv.reader(io.StringIO(report_csv(preview).decode("utf-8-sig"))))

    header, *rows = report
    dan = next(r for r in rows if r[0] == "5")
    assert dan[header.index("read topics_offered")] == '\'=HYPERLINK("http://x","y")'
    assert all(not cell.startswith(FORMULA_STARTS) for line in report for cell in line)
    eva = row(preview, 6)
    assert "<!channel>" in eva.read[Target.TOPICS_WANTED]
    line = row_line(RowOutcome(6, eva.read, {}, Status.ATTENTION, ["“<!channel> design” is odd"]))
    assert "<!channel>" not in line
    assert "&lt;!channel&gt;" in line


@given(st.text(max_size=30))
def test_no_cell_of_a_report_starts_a_formula(text: str) -> None:
    cell = inert_cell(text)
    assert cell.startswith("'") or not cell.lstrip(" ").startswith(FORMULA_STARTS)
    assert cell.removeprefix("'") == text or cell == text


def test_reimporting_the_same_rows_changes_nothing_and_an_edit_shows_only_that_change() -> None:
    first = forms_preview()
    stored = json.loads(json.dumps(ready_people(first)))

    assert diff(stored, forms_preview()) == []
    original = FORMS_EXPORT.read_bytes()
    edited = original.replace(b'SQL",2,No,Berlin', b'SQL",3,No,Berlin') + b"2024/03/04,mario@example.com,,Mentee\n"
    assert edited != original
    changes = diff(stored, forms_preview(edited))
    assert [(c.user_id, c.row_number, c.describe()) for c in changes] == [
        ("U01ANA000", 2, "capacity 2 → 3"),
        ("U09MAR000", 14, "new"),
    ]


def test_remembered_mapping_is_reused_when_its_headers_are_still_there() -> None:
    sheet = read_sheet(b"Email,Name,Capacity\nana.silva@example.com,Ana,2\n")
    mapping = propose_mapping(sheet).assign(Target.CAPACITY, [2])
    remembered = json.loads(json.dumps(mapping.to_dict()))

    assert Mapping.from_dict(remembered) == mapping
    assert apply_remembered(sheet.headers, remembered) == Mapping(
        {Target.EMAIL: [0], Target.NAME: [1], Target.CAPACITY: [2]},
        {Target.EMAIL: 1.0, Target.NAME: 1.0, Target.CAPACITY: 1.0},
        [],
        sheet.headers,
    )
    moved = apply_remembered(["Timestamp", "capacity", "Email", "Name"], remembered)
    assert moved is not None
    assert (moved.columns, moved.unmapped) == ({Target.EMAIL: [2], Target.NAME: [3], Target.CAPACITY: [1]}, [0])
    assert apply_remembered(["Email", "Full name", "Capacity"], remembered) is None


def test_values_decide_when_a_header_says_little_but_bare_numbers_say_nothing() -> None:
    sheet = read_sheet(b"Contact,Slack,Participation,Misc\nana@example.com,U01ANA000,I'd like to mentor,2\n")
    mapping = propose_mapping(sheet)

    assert mapping.columns == {Target.EMAIL: [0], Target.SLACK_ID: [1], Target.ROLE: [2]}
    assert mapping.unmapped == [3]
