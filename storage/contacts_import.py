"""Importing contacts from CSV (docs/admin-guide.md): insert or update by ``no``, all or nothing.

Rows are validated in Python while the file streams, then bulk-loaded into temporary staging tables;
set-based statements check what only the whole file can tell (duplicate numbers, persons whose
company is nowhere) and move the rows into ``contacts``, the code tables, the links and the profile
answers. Nothing is committed here: the caller's unit of work commits, so one bad row leaves the
database exactly as it was.

A column present in the file is the truth for the contacts it lists (an empty cell clears the
value, an empty ``industry_groups`` removes the contact's industry groups); a column absent from the
file leaves existing contacts' values alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Row,
    Select,
    SmallInteger,
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import OID, REGCLASS
from sqlalchemy.orm import Session

from storage.bulk import StagingTable, columns_like, refresh_statistics, staging_tables, trusted_references
from storage.csv_format import (
    CONTACT_LINK_COLUMNS,
    CONTACT_PLAIN_COLUMNS,
    CsvError,
    ProgressCallback,
    bool_value,
    check_header,
    check_width,
    code_list,
    country_value,
    date_value,
    number_value,
    read_header_and_rows,
    text_value,
)
from storage.data_version import bump_data_version
from storage.models import COMPANY, PERSON, Contact, ContactProfileAnswer, ProfileQuestion, Workspace
from storage.models.classifications import CLASSIFICATIONS

# The contact's own columns (the code lists are links, stored apart).
CONTACT_COLUMNS = (*CONTACT_PLAIN_COLUMNS, "exclude_from_segment", "created")
LINK_COLUMNS = CONTACT_LINK_COLUMNS
KNOWN_COLUMNS = frozenset(CONTACT_COLUMNS + LINK_COLUMNS)
REQUIRED_COLUMNS = ("no", "type", "name")
PROFILE_PREFIX = "profile."

# The tables an import writes, whose statistics it refreshes after a large load.
_IMPORTED_TABLES = (
    Contact.__tablename__,
    *(c.link_table.name for c in CLASSIFICATIONS),
    ContactProfileAnswer.__tablename__,
)
# kind number in staging -> (column, code table, link table)
_LINKS: dict[int, tuple[str, Any, Any]] = {
    kind: (c.column, c.code_table, c.link_table) for kind, c in enumerate(CLASSIFICATIONS, 1)
}
_CONTACTS = cast(Table, Contact.__table__)
_ANSWERS = cast(Table, ContactProfileAnswer.__table__)
_WORKSPACES = cast(Table, Workspace.__table__)
_QUESTIONS = cast(Table, ProfileQuestion.__table__)
_TEXT_LIMITS = {"email": 200, "phone": 60, "city": 100, "post_code": 20}
_CODE_LIMITS = {"territory": 40, "salesperson": 40, "language": 10}
_TYPES = {"company": COMPANY, "person": PERSON}
# The type cells as exported, read without strip() and lower().
_KINDS = {"company": COMPANY, "person": PERSON, "Company": COMPANY, "Person": PERSON}
# Distinct cells remembered per column: enough for every code, country and date, bounded for the rest.
_SEEN_LIMIT = 10_000
# Companies whose ids the parser remembers for the persons after them (files list a company's
# persons beside it); a person whose company is further away is linked by number in the database.
_RECENT_COMPANIES = 10_000
_BATCH = 10_000

_staging = MetaData()
# The contacts' own columns, in the order the parser stages them.
_STAGED_COLUMNS = (*CONTACT_PLAIN_COLUMNS, "exclude_from_segment", "created")
# ``id`` is the id a new contact will get, handed out while staging so links and answers can be
# staged with it; ``existing_id`` is filled for contacts the workspace already holds;
# ``company_id`` is the id of the contact's company when the parser knows it: a company's own, or
# that of a person's company seen shortly before (see parse).
_st_contacts = Table(
    "segbot_import_contacts",
    _staging,
    Column("line", Integer, primary_key=True),
    Column("id", Integer, nullable=False),
    *columns_like(_CONTACTS, _STAGED_COLUMNS),
    Column("existing_id", Integer),
    Column("company_id", Integer),
    prefixes=["TEMPORARY"],
)
_st_links = Table(
    "segbot_import_links",
    _staging,
    Column("contact_id", Integer, nullable=False),
    Column("kind", SmallInteger, nullable=False),
    Column("code", String(40), nullable=False),
    prefixes=["TEMPORARY"],
)
_st_answers = Table(
    "segbot_import_answers",
    _staging,
    Column("contact_id", Integer, nullable=False),
    Column("question", String(60), nullable=False),
    Column("answer", String(200), nullable=False),
    Column("answer_lower", String(200), nullable=False),
    Column("answer_number", Float),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did."""

    inserted: int
    updated: int

    def __str__(self) -> str:
        total = self.inserted + self.updated
        return f"imported {total} contacts: {self.inserted} inserted, {self.updated} updated"


def import_contacts(
    session: Session, workspace_id: int, path: Path, *, progress: ProgressCallback | None = None
) -> ImportSummary:
    """Import the contacts CSV at ``path`` into the workspace; raise ``CsvError`` (a ValidationError
    naming line and column) at the first bad row. Does not commit."""
    return load_contact_rows(session, workspace_id, *read_header_and_rows(path, progress=progress))


def load_contact_rows(
    session: Session, workspace_id: int, header: list[str], rows: Iterable[tuple[int, list[str]]]
) -> ImportSummary:
    """Import ``(line, values)`` records laid out as ``header`` says: the engine behind the CSV import,
    also fed directly by the demo generator."""
    parser = _RowParser(
        check_header(header, known=KNOWN_COLUMNS, required=REQUIRED_COLUMNS, allow_profile=True)
    )
    with staging_tables(session, _st_contacts, _st_links, _st_answers) as (contacts, links, answers):
        parser.ids = ContactIds(session, workspace_id)
        for line, values in rows:
            parser.parse(line, values)
            if len(parser.contacts) >= _BATCH:
                parser.flush(contacts, links, answers)
        parser.flush(contacts, links, answers)
        # Links and answers are only ever scanned whole: no index or statistics needed.
        contacts.finish("no", "line")
        if contacts.rows_written == 0:
            return ImportSummary(0, 0)
        _check_whole_file(session, workspace_id)
        return _apply(session, workspace_id, parser)


Converter = Callable[[int, str, str], Any]
# Plain text and codes are read inline (the bulk of every row); the rest through a converter.
_PLAIN, _UPPER = "text", "code"

# How each contact column after company_no is read, and its value when the file lacks the column.
_CONVERTERS: tuple[tuple[str, str | Converter, int, Any], ...] = (
    ("email", _PLAIN, 200, None),
    ("phone", _PLAIN, 60, None),
    ("city", _PLAIN, 100, None),
    ("country", country_value, 2, None),
    ("post_code", _PLAIN, 20, None),
    ("territory", _UPPER, 40, None),
    ("salesperson", _UPPER, 40, None),
    ("language", _UPPER, 10, None),
    ("exclude_from_segment", bool_value, 5, False),
    ("created", date_value, 10, None),
)


class _RowParser:
    """Validates one record at a time, queueing rows for the staging tables."""

    def __init__(self, names: list[str]) -> None:
        self.width = len(names)
        self.present = frozenset(names)
        position = {name: index for index, name in enumerate(names)}
        self.at = {name: position.get(name, -1) for name in CONTACT_COLUMNS}
        # Per column, what each distinct cell converted to (see parse).
        self.plan: list[tuple[int, str, str | Converter, int, Any, dict[str, Any]]] = [
            (position.get(column, -1), column, convert, limit, default, {})
            for column, convert, limit, default in _CONVERTERS
        ]
        self.link_columns: list[tuple[int, int, str, dict[str, list[str]]]] = [
            (kind, position[column], column, {})
            for kind, (column, _, _) in _LINKS.items()
            if column in position
        ]
        self.questions: list[tuple[str, int, str, dict[str, tuple[str, str, str, float | None]]]] = [
            (name.removeprefix(PROFILE_PREFIX), index, name, {})
            for index, name in enumerate(names)
            if name.startswith(PROFILE_PREFIX)
        ]
        self.contacts: list[tuple[Any, ...]] = []
        self.links: list[tuple[int, int, str]] = []
        self.answers: list[tuple[int, str, str, str, float | None]] = []
        self.ids: ContactIds
        self.codes: dict[int, set[str]] = {kind: set() for kind in _LINKS}
        self.recent_companies: dict[str, int] = {}

    def parse(self, line: int, values: list[str]) -> None:
        if len(values) != self.width:
            check_width(line, values, self.width)
        at = self.at
        # Each cell is read inline on the common path; the helpers run again to raise the error.
        no = values[at["no"]].strip()
        if not no or len(no) > 40:
            text_value(line, "no", no, 40, required=True)
        raw_kind = values[at["type"]]
        kind = _KINDS.get(raw_kind) or raw_kind.strip().lower()
        if kind not in _TYPES:
            raise CsvError(line, "type", f"'{raw_kind.strip()}' is not a type; expected company or person")
        name = values[at["name"]].strip()
        if not name or len(name) > 200:
            text_value(line, "name", name, 200, required=True)
        company_no: str | None = None
        if at["company_no"] >= 0:
            company_no = values[at["company_no"]].strip() or None
            if company_no is not None and len(company_no) > 40:
                text_value(line, "company_no", company_no, 40)
        if kind == COMPANY:
            # As in Business Central a company is its own company; an exported file repeats its no.
            if company_no not in (None, no):
                raise CsvError(line, "company_no", "a company's company_no must be empty or its own no")
            company_no = no
        contact_id = self.ids.next()
        recent = self.recent_companies
        company_id: int | None
        if kind == COMPANY:
            if len(recent) >= _RECENT_COMPANIES:
                recent.clear()
            recent[no] = company_id = contact_id
        else:
            company_id = recent.get(company_no) if company_no is not None else None
        row: list[Any] = [line, contact_id, no, kind, name, company_no]
        append = row.append
        for index, column, convert, limit, default, seen in self.plan:
            if index < 0:
                append(default)
            elif convert is _PLAIN:
                value = values[index].strip()
                if len(value) > limit:
                    raise CsvError(line, column, f"longer than {limit} characters")
                append(value or None)
            else:
                # Codes, countries, flags and dates repeat: each distinct cell is converted once.
                raw = values[index]
                if raw in seen:
                    append(seen[raw])
                else:
                    value = self._convert(line, column, convert, limit, raw)
                    if len(seen) < _SEEN_LIMIT:
                        seen[raw] = value
                    append(value)
        append(None)
        append(company_id)
        self.contacts.append(tuple(row))
        links = self.links
        for link_kind, index, column, seen_codes in self.link_columns:
            raw = values[index]
            if raw:
                codes = seen_codes.get(raw)
                if codes is None:
                    codes = code_list(line, column, raw)
                    self.codes[link_kind].update(codes)
                    if len(seen_codes) < _SEEN_LIMIT:
                        seen_codes[raw] = codes
                for code in codes:
                    links.append((contact_id, link_kind, code))
        for question, index, column, seen_answers in self.questions:
            raw = values[index]
            if raw:
                answer = seen_answers.get(raw)
                if answer is None:
                    text = text_value(line, column, raw, 200)
                    if text is None:
                        continue
                    answer = (question, text, text.lower(), number_value(text))
                    if len(seen_answers) < _SEEN_LIMIT:
                        seen_answers[raw] = answer
                self.answers.append((contact_id, *answer))

    @staticmethod
    def _convert(line: int, column: str, convert: str | Converter, limit: int, raw: str) -> Any:
        if convert is _UPPER:
            value = raw.strip()
            if len(value) > limit:
                raise CsvError(line, column, f"longer than {limit} characters")
            return value.upper() or None
        return convert(line, column, raw)  # type: ignore[operator]

    def flush(self, contacts: StagingTable, links: StagingTable, answers: StagingTable) -> None:
        """Write the queued rows to the staging tables."""
        contacts.write(self.contacts)
        links.write(self.links)
        answers.write(self.answers)
        self.contacts, self.links, self.answers = [], [], []


def _check_whole_file(session: Session, workspace_id: int) -> None:
    """Reject what no single row shows: a ``no`` twice, a person whose company exists nowhere."""
    st = _st_contacts
    earlier = _st_contacts.alias("earlier")
    has_duplicates = session.execute(
        select(st.c.no).group_by(st.c.no).having(func.count() > 1).limit(1)
    ).first()
    if has_duplicates:
        line, no, first_line = session.execute(
            select(
                st.c.line,
                st.c.no,
                select(func.min(earlier.c.line)).where(earlier.c.no == st.c.no).scalar_subquery(),
            )
            .where(exists().where(earlier.c.no == st.c.no, earlier.c.line < st.c.line))
            .order_by(st.c.line)
            .limit(1)
        ).one()
        raise CsvError(line, "no", f"duplicate no '{no}' (first on line {first_line})")

    company_in_file = exists().where(earlier.c.no == st.c.company_no, earlier.c.type == COMPANY)
    contacts = _CONTACTS
    company_in_database = exists().where(
        contacts.c.workspace_id == workspace_id,
        contacts.c.no == st.c.company_no,
        contacts.c.type == COMPANY,
        # A company the file turns into a person no longer counts.
        ~exists().where(earlier.c.no == contacts.c.no),
    )
    orphan = _first_line(
        session,
        select(st.c.line, st.c.company_no).where(
            st.c.type == PERSON, st.c.company_no.is_not(None), ~company_in_file, ~company_in_database
        ),
    )
    if orphan:
        raise CsvError(
            orphan.line, "company_no", f"no company '{orphan.company_no}' in the file or the database"
        )

    persons = _CONTACTS.alias("persons")
    demoted = _first_line(
        session,
        select(st.c.line, st.c.no)
        .join(contacts, and_(contacts.c.workspace_id == workspace_id, contacts.c.no == st.c.no))
        .where(
            st.c.type == PERSON,
            contacts.c.type == COMPANY,
            exists().where(
                persons.c.workspace_id == workspace_id,
                persons.c.company_id == contacts.c.id,
                persons.c.id != contacts.c.id,
            ),
        ),
    )
    if demoted:
        raise CsvError(
            demoted.line, "type", f"'{demoted.no}' is the company of other persons; it cannot become a person"
        )


def _first_line(session: Session, offending: Select[Any]) -> Row[Any] | None:
    """The first offending row of the file, by line, so the error names the line a user fixes first."""
    # ORDER BY line LIMIT 1 walks the file in line order with an index probe per row, all of it when
    # nothing is wrong (the usual case); min() lets PostgreSQL hash the file once instead.
    line = session.scalar(select(func.min(offending.subquery().c.line)))
    if line is None:
        return None
    return session.execute(offending.where(offending.selected_columns.line == line).limit(1)).first()


class ContactIds:
    """Hands out ids for new contacts before they are inserted.

    PostgreSQL: blocks of the contacts sequence. SQLite: counting on from the highest id, after
    taking the database's write lock so no other writer can claim the same ids meanwhile.
    """

    def __init__(self, session: Session, workspace_id: int) -> None:
        self.session = session
        self.block = 16
        self._free: list[int] = []
        self._next = 0
        self._sequence: int | None = None
        self._is_postgresql = session.get_bind().dialect.name == "postgresql"
        if not self._is_postgresql:
            session.execute(
                update(_WORKSPACES).where(_WORKSPACES.c.id == workspace_id).values(name=_WORKSPACES.c.name)
            )
            self._next = (session.scalar(select(func.max(_CONTACTS.c.id))) or 0) + 1

    def next(self) -> int:
        """The next free contact id."""
        if not self._is_postgresql:
            self._next += 1
            return self._next - 1
        if not self._free:
            # Small blocks first, so a five-row import does not use up ten thousand ids.
            self.block = min(self.block * 4, _BATCH)
            if self._sequence is None:
                # By its oid, looked up once: named in the statement, it is looked up again for every id
                # (docs/performance.md, "Import").
                self._sequence = self.session.scalar(
                    select(func.pg_get_serial_sequence("contacts", "id").cast(REGCLASS).cast(OID))
                )
            nextval = func.nextval(literal(self._sequence, OID).cast(REGCLASS))
            ids = select(func.array_agg(nextval)).select_from(func.generate_series(1, self.block))
            self._free = list(self.session.scalar(ids) or ())
            self._free.reverse()
        return self._free.pop()


def _apply(session: Session, workspace_id: int, parser: _RowParser) -> ImportSummary:
    """Move the staged rows into the workspace's tables with set-based statements."""
    contacts, st = _CONTACTS, _st_contacts
    had_contacts = (
        session.execute(select(contacts.c.id).where(contacts.c.workspace_id == workspace_id).limit(1)).first()
        is not None
    )
    updated = 0
    if had_contacts:
        session.execute(
            update(st)
            .where(contacts.c.workspace_id == workspace_id, contacts.c.no == st.c.no)
            .values(existing_id=contacts.c.id)
        )
        session.connection().exec_driver_sql(f"CREATE INDEX ix_{st.name}_id ON {st.name} (id)")
        updated = _update_existing(session, workspace_id, parser)
    with trusted_references(session):
        _insert_new(session, workspace_id, had_contacts=had_contacts)
        _apply_links(session, workspace_id, parser, had_contacts=had_contacts)
        _apply_answers(session, workspace_id, parser, had_contacts=had_contacts)
    staged = session.scalar(select(func.count()).select_from(st)) or 0
    refresh_statistics(session, _IMPORTED_TABLES, rows=staged)
    bump_data_version(session, workspace_id)
    return ImportSummary(inserted=staged - updated, updated=updated)


def _company_id_of(company_no: Any, workspace_id: int) -> Any:
    """The id of the company numbered ``company_no``: from the file, else from the database."""
    in_file = _st_contacts.alias("company_in_file")
    in_database = _CONTACTS.alias("company_in_database")
    return func.coalesce(
        select(func.coalesce(in_file.c.existing_id, in_file.c.id))
        .where(in_file.c.no == company_no)
        .scalar_subquery(),
        select(in_database.c.id)
        .where(in_database.c.workspace_id == workspace_id, in_database.c.no == company_no)
        .scalar_subquery(),
    )


def _update_existing(session: Session, workspace_id: int, parser: _RowParser) -> int:
    """Overwrite the columns the file has, for the contacts the workspace already holds."""
    contacts, st = _CONTACTS, _st_contacts
    company_no = case(
        (st.c.type == COMPANY, st.c.no),
        else_=st.c.company_no if "company_no" in parser.present else contacts.c.company_no,
    )
    values: dict[str, Any] = {
        "type": st.c.type,
        "name": st.c.name,
        "company_no": company_no,
        "company_id": case(
            (st.c.type == COMPANY, contacts.c.id), else_=_company_id_of(company_no, workspace_id)
        ),
    }
    for column in CONTACT_COLUMNS[4:]:
        if column in parser.present:
            values[column] = st.c[column]
    result = session.connection().execute(
        update(contacts).where(contacts.c.id == st.c.existing_id).values(values)
    )
    return result.rowcount


def _insert_new(session: Session, workspace_id: int, *, had_contacts: bool) -> None:
    """Insert the contacts the workspace does not hold yet, with the ids handed out while staging."""
    contacts, st = _CONTACTS, _st_contacts
    company = st.alias("company")
    columns = [c.name for c in st.columns if c.name not in ("line", "existing_id", "company_id")]
    if had_contacts:
        company_id: Any = _company_id_of(st.c.company_no, workspace_id)
        rows = select(*(st.c[name] for name in columns)).where(st.c.existing_id.is_(None))
    else:
        # A fresh workspace: every company is in the file. Most persons' companies were seen by the
        # parser; COALESCE looks up only the others by number, where joining every row would hash
        # and sort the whole file (docs/performance.md, "Import").
        company_id = func.coalesce(
            st.c.company_id,
            select(company.c.id).where(company.c.no == st.c.company_no).limit(1).scalar_subquery(),
        )
        rows = select(*(st.c[name] for name in columns))
    rows = rows.add_columns(
        literal(workspace_id), case((st.c.type == COMPANY, st.c.id), else_=company_id)
    ).order_by(st.c.line)
    session.execute(insert(contacts).from_select([*columns, "workspace_id", "company_id"], rows))


def _add_codes(session: Session, table: Table, workspace_id: int, codes: set[str]) -> None:
    """Add the codes the workspace's code table lacks (a few dozen, collected while parsing)."""
    known = set(
        session.scalars(
            select(table.c.code).where(table.c.workspace_id == workspace_id, table.c.code.in_(codes))
        )
    )
    missing = sorted(codes - known)
    if missing:
        session.execute(
            insert(table),
            [{"workspace_id": workspace_id, "code": code, "description": ""} for code in missing],
        )


def _apply_links(session: Session, workspace_id: int, parser: _RowParser, *, had_contacts: bool) -> None:
    """Replace the links of the kinds the file has columns for, creating unknown codes."""
    st, sl = _st_contacts, _st_links
    for kind, *_ in parser.link_columns:
        _column, codes, links = _LINKS[kind]
        _add_codes(session, codes, workspace_id, parser.codes[kind])
        if had_contacts:
            session.execute(delete(links).where(links.c.contact_id.in_(_existing_ids())))
            rows = (
                select(func.coalesce(st.c.existing_id, sl.c.contact_id), sl.c.code, literal(workspace_id))
                .join(st, st.c.id == sl.c.contact_id)
                .where(sl.c.kind == kind)
            )
        else:
            rows = select(sl.c.contact_id, sl.c.code, literal(workspace_id)).where(sl.c.kind == kind)
        session.execute(insert(links).from_select(["contact_id", "code", "workspace_id"], rows))


def _apply_answers(session: Session, workspace_id: int, parser: _RowParser, *, had_contacts: bool) -> None:
    """Replace the answers to the questions the file has columns for, creating unknown questions."""
    questions = [question for question, *_ in parser.questions]
    if not questions:
        return
    known = set(
        session.scalars(
            select(_QUESTIONS.c.code).where(
                _QUESTIONS.c.workspace_id == workspace_id, _QUESTIONS.c.code.in_(questions)
            )
        )
    )
    for question in questions:
        if question not in known:
            session.execute(
                insert(_QUESTIONS).values(workspace_id=workspace_id, code=question, description="")
            )
    answers, st, sa = _ANSWERS, _st_contacts, _st_answers
    contact_id: Any = sa.c.contact_id
    rows = select(sa.c.question, literal(workspace_id), sa.c.answer, sa.c.answer_lower, sa.c.answer_number)
    if had_contacts:
        session.execute(
            delete(answers).where(
                answers.c.contact_id.in_(_existing_ids()), answers.c.question.in_(questions)
            )
        )
        contact_id = func.coalesce(st.c.existing_id, sa.c.contact_id)
        rows = rows.join_from(sa, st, st.c.id == sa.c.contact_id)
    session.execute(
        insert(answers).from_select(
            ["question", "workspace_id", "answer", "answer_lower", "answer_number", "contact_id"],
            rows.add_columns(contact_id),
        )
    )


def _existing_ids() -> Any:
    st = _st_contacts
    return select(st.c.existing_id).where(st.c.existing_id.is_not(None))
