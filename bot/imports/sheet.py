"""Reading an uploaded sign-up sheet (CSV or XLSX bytes) into headers and rows of text, or refusing it clearly."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import openpyxl

from bot.text import squash

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 200
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t"
_ZIP = b"PK\x03\x04"
_OTHER_FILES = (
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xd0\xcf\x11\xe0", "an old-style .xls workbook or a password-protected file"),
)
_PERSON_VALUE = re.compile(r"[^@\s]+@[^@\s]+\.\w+|<?@?[UW][A-Z0-9]{8,}(?:\|[^>]*)?>?")
_NUMBER_OR_DATE = re.compile(r"[-+]?\d[\d.,:/ T-]*")


class SheetRefused(Exception):
    """The file can't be imported; `reason` tells the admin what to change, in a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sheet:
    """Column labels (unique: a repeated header becomes "Topics (2)"), the non-blank rows padded to the labels'
    width, and each row's number as the spreadsheet shows it (the header is usually row 1)."""

    headers: list[str]
    rows: list[list[str]]
    source_rows: list[int]
    original_headers: list[str] = field(default_factory=list)


def read_sheet(data: bytes) -> Sheet:
    """The sheet in `data`, told apart by content (an XLSX is a zip), never by the file's name."""
    if len(data) > MAX_BYTES:
        limit = MAX_BYTES / 1024 / 1024
        raise SheetRefused(f"The file is {len(data) / 1024 / 1024:.1f} MB; the most we read is {limit:g} MB.")
    if not data.strip():
        raise SheetRefused("The file is empty.")
    if data.startswith(_ZIP):
        return _to_sheet(_xlsx_records(data))
    for signature, kind in _OTHER_FILES:
        if data.startswith(signature):
            raise SheetRefused(f"This is {kind}, not a spreadsheet: upload a .csv or .xlsx file.")
    return _to_sheet(_csv_records(_decode(data)))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark, tab-separated.
        return data.decode("utf-16")
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise SheetRefused("This file is not text: upload a .csv or .xlsx file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the machine's code page, which is cp1252 in most of the West.
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        # One column, or too few lines to be sure: count in the header line instead.
        first_line = sample.split("\n", 1)[0]
        return max(_DELIMITERS, key=first_line.count)


def _csv_records(text: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    except csv.Error as error:
        raise SheetRefused(f"The CSV can't be read ({error}); save it again from the spreadsheet.") from error


def _xlsx_records(data: bytes) -> Iterator[list[str]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # openpyxl raises many unrelated types on a zip that isn't a workbook; each means the same to the admin.
    except Exception as error:
        raise SheetRefused("This is a zip file but not an .xlsx workbook: save it as .xlsx or .csv.") from error
    try:
        if not workbook.worksheets:
            raise SheetRefused("The workbook has no sheets.")
        sheet = workbook.worksheets[0]
        # Exporters often write a wrong used range; without it, openpyxl reads each row as far as it goes.
        sheet.reset_dimensions()
        for values in sheet.iter_rows(values_only=True):
            yield [cell_text(value) for value in values]
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """A spreadsheet value as the text a person sees: dates in ISO form, whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _to_sheet(records: Iterable[Sequence[str]]) -> Sheet:
    header: list[str] | None = None
    rows: list[list[str]] = []
    source_rows: list[int] = []
    for number, record in enumerate(records, start=1):
        cells = _trimmed(record)
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise SheetRefused(f"Row {number} has {len(cells)} columns; the most we read is {MAX_COLUMNS}.")
        if header is None:
            _check_header(cells, number)
            header = [squash(cell) for cell in cells]
            continue
        if len(rows) == MAX_ROWS:
            raise SheetRefused(f"The sheet has more than {MAX_ROWS:,} rows: split it into smaller files.")
        rows.append(cells)
        source_rows.append(number)
    if header is None:
        raise SheetRefused("The file is empty.")
    if not rows:
        raise SheetRefused("The sheet has a header row but no rows under it.")
    width = max(len(header), *(len(row) for row in rows))
    originals = [*header, *[""] * (width - len(header))]
    labels = _labels(originals)
    padded = [[*row, *[""] * (width - len(row))] for row in rows]
    return Sheet(labels, padded, source_rows, [o or label for o, label in zip(originals, labels, strict=True)])


def _trimmed(record: Sequence[str]) -> list[str]:
    """Cells stripped of surrounding space, without the trailing empty ones; [] for a blank row."""
    cells = [cell.strip() for cell in record]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _check_header(cells: list[str], number: int) -> None:
    """A header names columns: an email or Slack ID in it, or only numbers and dates, means the header is missing."""
    filled = [cell for cell in cells if cell]
    if any(_PERSON_VALUE.fullmatch(c) for c in filled) or all(_NUMBER_OR_DATE.fullmatch(c) for c in filled):
        raise SheetRefused(
            f"Row {number} looks like data (“{filled[0][:40]}”), not a header: add a first row naming each column."
        )


def column_letter(index: int) -> str:
    """The spreadsheet's name for a 0-based column: A, B, …, Z, AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _labels(originals: list[str]) -> list[str]:
    """Unique labels: an empty header is named by its column letter, a repeat gets its occurrence, "Topics (2)"."""
    taken: set[str] = set()
    labels: list[str] = []
    for index, original in enumerate(originals):
        text = label = original or f"Column {column_letter(index)}"
        occurrence = 1
        while label.casefold() in taken:
            occurrence += 1
            label = f"{text} ({occurrence})"
        taken.add(label.casefold())
        labels.append(label)
    return labels
