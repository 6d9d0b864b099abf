"""Reading the CSV files of docs/admin-guide.md: lines, values and the errors that name them.

Shared by the contacts and interactions imports (and the demo generator, which produces the same
rows), so every file is judged by the same rules and every mistake reads "line N, column C: ...".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from storage.errors import ValidationError
from storage.limits import control_code, find_control_character

# The contacts file (docs/admin-guide.md), in its order: the plain columns, then the code lists
# (codes separated by ";"), then the flag and the date; profile.<QUESTION> columns follow.
CONTACT_PLAIN_COLUMNS = (
    "no",
    "type",
    "name",
    "company_no",
    "email",
    "phone",
    "city",
    "country",
    "post_code",
    "territory",
    "salesperson",
    "language",
)
CONTACT_LINK_COLUMNS = ("industry_groups", "business_relations", "mailing_groups", "job_responsibilities")
CONTACT_FILE_COLUMNS = (*CONTACT_PLAIN_COLUMNS, *CONTACT_LINK_COLUMNS, "exclude_from_segment", "created")
INTERACTION_FILE_COLUMNS = (
    "contact_no",
    "template",
    "date",
    "description",
    "segment_no",
    "evaluation",
    "campaign_no",
    "salesperson",
    "information_flow",
    "initiated_by",
)

# Called while a file is read with (bytes read so far, file size), for a progress bar.
ProgressCallback = Callable[[int, int], None]

_PROGRESS_EVERY = 20_000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})

# ISO 3166-1 alpha-2, plus XK (Kosovo), which Business Central's country list carries too.
_ISO_3166_ALPHA_2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_ISO_3166_ALPHA_2.split())
# Codes people commonly type that ISO spells differently.
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}


class CsvError(ValidationError):
    """A file that cannot be imported, pointing at the line (1 = the header) and column at fault."""

    def __init__(self, line: int, column: str | None, message: str) -> None:
        self.line = line
        self.column = column
        where = f"line {line}, column {column}" if column else f"line {line}"
        super().__init__(f"{where}: {message}")


def read_header_and_rows(
    path: Path, *, progress: ProgressCallback | None = None
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header of a CSV file and an iterator over its other records (see ``read_rows``).

    An empty file is a ``CsvError``: every import needs the header row.
    """
    rows = read_rows(path, progress=progress)
    first = next(rows, None)
    if first is None:
        raise CsvError(1, None, "the file is empty; a header row is required")
    return first[1], rows


def read_rows(path: Path, *, progress: ProgressCallback | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, values)`` for each record of a UTF-8 CSV file, the header first (line 1).

    The line is where the record starts, even when a quoted value spans several lines. Blank lines
    are skipped.
    """
    total = path.stat().st_size
    with path.open("rb") as raw:
        # utf-8-sig: spreadsheets often save UTF-8 with a byte-order mark.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        next_line = 1
        count = 0
        header: list[str] = []
        try:
            for values in reader:
                line = next_line
                next_line = reader.line_num + 1
                if not values or values == [""]:
                    continue
                # One search per record, over all its values at once: a control character is rare.
                if find_control_character("\t".join(values)) is not None:
                    _refuse_control_character(line, values, header)
                if not header:
                    header = values
                yield line, values
                count += 1
                if progress is not None and count % _PROGRESS_EVERY == 0:
                    progress(raw.tell(), total)
        except UnicodeDecodeError:
            # The decoder reads ahead by blocks, so its position says nothing about the line.
            line, column = _first_undecodable(path)
            raise CsvError(line, None, f"the file is not UTF-8 text (byte {column} of the line)") from None
        except csv.Error as exc:
            raise CsvError(next_line, None, f"malformed CSV ({exc})") from None
        if progress is not None:
            progress(total, total)


def _refuse_control_character(line: int, values: list[str], header: list[str]) -> None:
    for index, value in enumerate(values):
        at = find_control_character(value)
        if at is not None:
            column = header[index].strip() if index < len(header) else f"#{index + 1}"
            raise CsvError(
                line, column or f"#{index + 1}", f"control character {control_code(value, at)} is not allowed"
            )


def _first_undecodable(path: Path) -> tuple[int, int]:
    """The line (1-based) holding the file's first byte that is not UTF-8, and that byte's place in it."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, exc.start + 1
    return 1, 1


def check_header(
    values: list[str], *, known: frozenset[str], required: tuple[str, ...], allow_profile: bool = False
) -> list[str]:
    """The header's column names, normalised (lower-case; ``profile.<question>`` kept with a lower-case
    question), after checking there is no unknown, duplicate or missing column."""
    names: list[str] = []
    for raw_name in values:
        name = raw_name.strip().lower()
        is_profile = allow_profile and name.startswith("profile.") and len(name) > len("profile.")
        if not is_profile and name not in known:
            allowed = ", ".join(sorted(known)) + (", profile.<question>" if allow_profile else "")
            raise CsvError(1, raw_name.strip() or "(empty)", f"unknown column; the columns are {allowed}")
        if is_profile and len(name) - len("profile.") > 60:
            raise CsvError(1, raw_name.strip(), "profile question codes are at most 60 characters")
        if name in names:
            raise CsvError(1, raw_name.strip(), "the column appears twice")
        names.append(name)
    for name in required:
        if name not in names:
            raise CsvError(1, None, f"missing required column '{name}'")
    return names


def check_width(line: int, values: list[str], width: int) -> None:
    """Reject a record whose number of values differs from the header's."""
    if len(values) != width:
        raise CsvError(line, None, f"{len(values)} values, but the header has {width} columns")


def text_value(line: int, column: str, value: str, max_length: int, *, required: bool = False) -> str | None:
    """A trimmed text value (None when empty), within the database column's length."""
    value = value.strip()
    if not value:
        if required:
            raise CsvError(line, column, "a value is required")
        return None
    if len(value) > max_length:
        raise CsvError(line, column, f"longer than {max_length} characters")
    return value


def code_value(line: int, column: str, value: str, max_length: int) -> str | None:
    """A code, upper-cased as Business Central stores codes."""
    code = text_value(line, column, value, max_length)
    return code.upper() if code else None


def code_list(line: int, column: str, value: str, max_length: int = 40) -> list[str]:
    """Codes separated by ``;``, upper-cased, duplicates dropped, order kept."""
    codes: list[str] = []
    for part in value.split(";"):
        code = part.strip().upper()
        if not code:
            continue
        if len(code) > max_length:
            raise CsvError(line, column, f"code '{code}' is longer than {max_length} characters")
        if code not in codes:
            codes.append(code)
    return codes


def date_value(line: int, column: str, value: str, *, required: bool = False) -> str | None:
    """A ``YYYY-MM-DD`` date, returned as that same text (what both databases accept for a DATE)."""
    value = value.strip()
    if not value:
        if required:
            raise CsvError(line, column, "a date (YYYY-MM-DD) is required")
        return None
    if _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise CsvError(line, column, f"'{value}' is not a date; expected YYYY-MM-DD")


def choice_value(line: int, column: str, value: str, choices: tuple[str, ...]) -> str | None:
    """One of ``choices`` (any case), or None when empty."""
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered not in choices:
        raise CsvError(line, column, f"'{value.strip()}' is not one of {', '.join(choices)}")
    return lowered


def bool_value(line: int, column: str, value: str) -> bool:
    """``true``/``false`` (also yes/no, 1/0, any case); empty means false."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CsvError(line, column, f"'{value.strip()}' is not a boolean; expected true or false")


def country_value(line: int, column: str, value: str) -> str | None:
    """An ISO 3166-1 alpha-2 country code, upper-cased."""
    code = value.strip().upper()
    if not code:
        return None
    if code not in COUNTRY_CODES:
        hint = f" (did you mean {_COUNTRY_HINTS[code]}?)" if code in _COUNTRY_HINTS else ""
        raise CsvError(line, column, f"'{value.strip()}' is not an ISO country code{hint}")
    return code


def number_value(answer: str) -> float | None:
    """The answer as a number when it reads as one (``1000000``, ``12.5``), for numeric criteria."""
    # Most answers are words; checking the first character spares raising ValueError for each.
    if not answer or answer[0] not in "0123456789+-.":
        return None
    try:
        number = float(answer)
    except ValueError:
        return None
    # nan and inf read as floats but compare with nothing; keep them as text only.
    return number if number == number and abs(number) != float("inf") else None
