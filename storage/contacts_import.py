"""Importing contacts from CSV (CONTRACT section 5): insert or update by ``no``, all or nothing.

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

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
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
from sqlalchemy.orm import Session

from storage.bulk import StagingTable, staging_tables
from storage.csv_format import (
    CsvError,
    ProgressCallback,
    bool_value,
    check_header,
    check_width,
    code_list,
    code_value,
    country_value,
    date_value,
    number_value,
    read_rows,
    text_value,
)
from storage.models import (
    COMPANY,
    PERSON,
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactProfileAnswer,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
    ProfileQuestion,
)

# Contact columns in the order of CONTRACT section 5, then the code lists.
CONTACT_COLUMNS = (
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
    "exclude_from_segment",
    "created",
)
LINK_COLUMNS = ("industry_groups", "business_relations", "mailing_groups", "job_responsibilities")
KNOWN_COLUMNS = frozenset(CONTACT_COLUMNS + LINK_COLUMNS)
REQUIRED_COLUMNS = ("no", "type", "name")
PROFILE_PREFIX = "profile."

# kind number in staging -> (column, code table, link table)
_LINKS: dict[int, tuple[str, Any, Any]] = {
    1: ("industry_groups", IndustryGroup.__table__, ContactIndustryGroup.__table__),
    2: ("business_relations", BusinessRelation.__table__, ContactBusinessRelation.__table__),
    3: ("mailing_groups", MailingGroup.__table__, ContactMailingGroup.__table__),
    4: ("job_responsibilities", JobResponsibility.__table__, ContactJobResponsibility.__table__),
}
_CONTACTS = cast(Table, Contact.__table__)
_ANSWERS = cast(Table, ContactProfileAnswer.__table__)
_QUESTIONS = cast(Table, ProfileQuestion.__table__)
_TEXT_LIMITS = {"email": 200, "phone": 60, "city": 100, "post_code": 20}
_CODE_LIMITS = {"territory": 40, "salesperson": 40, "language": 10}
_TYPES = {"company": COMPANY, "person": PERSON}

_staging = MetaData()
_st_contacts = Table(
    "segbot_import_contacts",
    _staging,
    Column("line", Integer, primary_key=True),
    Column("no", String(40), nullable=False),
    Column("type", String(10), nullable=False),
    Column("name", String(200), nullable=False),
    Column("company_no", String(40)),
    Column("email", String(200)),
    Column("phone", String(60)),
    Column("city", String(100)),
    Column("country", String(2)),
    Column("post_code", String(20)),
    Column("territory", String(40)),
    Column("salesperson", String(40)),
    Column("language", String(10)),
    Column("exclude_from_segment", Boolean, nullable=False),
    Column("created", Date),
    prefixes=["TEMPORARY"],
)
_st_links = Table(
    "segbot_import_links",
    _staging,
    Column("no", String(40), nullable=False),
    Column("kind", SmallInteger, nullable=False),
    Column("code", String(40), nullable=False),
    prefixes=["TEMPORARY"],
)
_st_answers = Table(
    "segbot_import_answers",
    _staging,
    Column("no", String(40), nullable=False),
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
    rows = read_rows(path, progress=progress)
    first = next(rows, None)
    if first is None:
        raise CsvError(1, None, "the file is empty; a header row is required")
    return load_contact_rows(session, workspace_id, first[1], rows)


def load_contact_rows(
    session: Session, workspace_id: int, header: list[str], rows: Iterable[tuple[int, list[str]]]
) -> ImportSummary:
    """Import ``(line, values)`` records laid out as ``header`` says: the engine behind the CSV import,
    also fed directly by the demo generator."""
    parser = _RowParser(
        check_header(header, known=KNOWN_COLUMNS, required=REQUIRED_COLUMNS, allow_profile=True)
    )
    with staging_tables(session, _st_contacts, _st_links, _st_answers) as (contacts, links, answers):
        for line, values in rows:
            parser.parse(line, values, contacts, links, answers)
        contacts.finish("no", "line")
        links.finish()
        answers.finish()
        if contacts.rows_written == 0:
            return ImportSummary(0, 0)
        _check_whole_file(session, workspace_id)
        return _apply(session, workspace_id, parser)


class _RowParser:
    """Validates one record at a time and queues it for the staging tables."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.width = len(names)
        self.present = frozenset(names)
        position = {name: index for index, name in enumerate(names)}
        self.at = {name: position.get(name, -1) for name in CONTACT_COLUMNS}
        self.link_columns = [
            (kind, position[column]) for kind, (column, _, _) in _LINKS.items() if column in position
        ]
        self.questions = [
            (name.removeprefix(PROFILE_PREFIX), index)
            for index, name in enumerate(names)
            if name.startswith(PROFILE_PREFIX)
        ]

    def parse(
        self,
        line: int,
        values: list[str],
        contacts: StagingTable,
        links: StagingTable,
        answers: StagingTable,
    ) -> None:
        check_width(line, values, self.width)
        at = self.at
        no = text_value(line, "no", values[at["no"]], 40, required=True)
        assert no is not None
        kind = values[at["type"]].strip().lower()
        if kind not in _TYPES:
            raise CsvError(
                line, "type", f"'{values[at['type']].strip()}' is not a type; expected company or person"
            )
        name = text_value(line, "name", values[at["name"]], 200, required=True)
        company_no = (
            text_value(line, "company_no", values[at["company_no"]], 40) if at["company_no"] >= 0 else None
        )
        if kind == COMPANY:
            # As in Business Central a company is its own company; an exported file repeats its no.
            if company_no not in (None, no):
                raise CsvError(line, "company_no", "a company's company_no must be empty or its own no")
            company_no = no

        def text(column: str) -> str | None:
            index = at[column]
            return text_value(line, column, values[index], _TEXT_LIMITS[column]) if index >= 0 else None

        def code(column: str) -> str | None:
            index = at[column]
            return code_value(line, column, values[index], _CODE_LIMITS[column]) if index >= 0 else None

        country = country_value(line, "country", values[at["country"]]) if at["country"] >= 0 else None
        exclude = (
            bool_value(line, "exclude_from_segment", values[at["exclude_from_segment"]])
            if at["exclude_from_segment"] >= 0
            else False
        )
        created = date_value(line, "created", values[at["created"]]) if at["created"] >= 0 else None
        contacts.add(
            (
                line,
                no,
                kind,
                name,
                company_no,
                text("email"),
                text("phone"),
                text("city"),
                country,
                text("post_code"),
                code("territory"),
                code("salesperson"),
                code("language"),
                exclude,
                created,
            )
        )
        for link_kind, index in self.link_columns:
            for linked in code_list(line, _LINKS[link_kind][0], values[index]):
                links.add((no, link_kind, linked))
        for question, index in self.questions:
            answer = text_value(line, PROFILE_PREFIX + question, values[index], 200)
            if answer is not None:
                answers.add((no, question, answer, answer.lower(), number_value(answer)))


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
    orphan = session.execute(
        select(st.c.line, st.c.company_no)
        .where(st.c.type == PERSON, st.c.company_no.is_not(None), ~company_in_file, ~company_in_database)
        .order_by(st.c.line)
        .limit(1)
    ).first()
    if orphan:
        raise CsvError(
            orphan.line, "company_no", f"no company '{orphan.company_no}' in the file or the database"
        )

    persons = _CONTACTS.alias("persons")
    demoted = session.execute(
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
        )
        .order_by(st.c.line)
        .limit(1)
    ).first()
    if demoted:
        raise CsvError(
            demoted.line, "type", f"'{demoted.no}' is the company of other persons; it cannot become a person"
        )


def _apply(session: Session, workspace_id: int, parser: _RowParser) -> ImportSummary:
    """Move the staged rows into the workspace's tables with set-based statements."""
    contacts = _CONTACTS
    st = _st_contacts
    had_contacts = session.execute(
        select(contacts.c.id).where(contacts.c.workspace_id == workspace_id).limit(1)
    ).first()

    updated = 0
    if had_contacts:
        # company_id is recomputed below for every touched contact, new or updated.
        values: dict[str, Any] = {
            "type": st.c.type,
            "name": st.c.name,
            "company_id": None,
            "company_no": case(
                (st.c.type == COMPANY, st.c.no),
                else_=st.c.company_no if "company_no" in parser.present else contacts.c.company_no,
            ),
        }
        for column in CONTACT_COLUMNS[4:]:
            if column in parser.present:
                values[column] = st.c[column]
        updated = (
            session.connection()
            .execute(
                update(contacts)
                .where(contacts.c.workspace_id == workspace_id, contacts.c.no == st.c.no)
                .values(values)
            )
            .rowcount
        )

    columns = [c.name for c in st.columns if c.name != "line"]
    new_rows = select(literal(workspace_id), *(st.c[name] for name in columns)).order_by(st.c.line)
    if had_contacts:
        new_rows = new_rows.where(
            ~exists().where(contacts.c.workspace_id == workspace_id, contacts.c.no == st.c.no)
        )
    inserted = (
        session.connection()
        .execute(insert(contacts).from_select(["workspace_id", *columns], new_rows))
        .rowcount
    )

    _resolve_companies(session, workspace_id)
    touched = select(contacts.c.id).join(
        st, and_(contacts.c.workspace_id == workspace_id, contacts.c.no == st.c.no)
    )
    _apply_links(session, workspace_id, parser, touched if updated else None)
    _apply_answers(session, workspace_id, parser, touched if updated else None)
    return ImportSummary(inserted=inserted, updated=updated)


def _resolve_companies(session: Session, workspace_id: int) -> None:
    """Set company_id where it is missing: a company's own id, a person's company's id.

    The (workspace_id, company_id) index finds the missing ones without scanning the workspace.
    """
    contacts = _CONTACTS
    session.execute(
        update(contacts)
        .where(
            contacts.c.workspace_id == workspace_id,
            contacts.c.company_id.is_(None),
            contacts.c.type == COMPANY,
        )
        .values(company_id=contacts.c.id)
    )
    company = contacts.alias("company")
    session.execute(
        update(contacts)
        .where(
            contacts.c.workspace_id == workspace_id,
            contacts.c.company_id.is_(None),
            contacts.c.type == PERSON,
            company.c.workspace_id == workspace_id,
            company.c.no == contacts.c.company_no,
        )
        .values(company_id=company.c.id)
    )


def _apply_links(session: Session, workspace_id: int, parser: _RowParser, touched: Any) -> None:
    """Replace the links of the kinds the file has columns for, creating unknown codes."""
    contacts = _CONTACTS
    sl = _st_links
    for kind, _index in parser.link_columns:
        _column, codes, links = _LINKS[kind]
        if touched is not None:
            session.execute(delete(links).where(links.c.contact_id.in_(touched)))
        session.execute(
            insert(codes).from_select(
                ["workspace_id", "code", "description"],
                select(literal(workspace_id), sl.c.code, literal(""))
                .where(sl.c.kind == kind)
                .where(~exists().where(codes.c.workspace_id == workspace_id, codes.c.code == sl.c.code))
                .group_by(sl.c.code),
            )
        )
        session.execute(
            insert(links).from_select(
                ["contact_id", "code", "workspace_id"],
                select(contacts.c.id, sl.c.code, literal(workspace_id))
                .join(contacts, and_(contacts.c.workspace_id == workspace_id, contacts.c.no == sl.c.no))
                .where(sl.c.kind == kind),
            )
        )


def _apply_answers(session: Session, workspace_id: int, parser: _RowParser, touched: Any) -> None:
    """Replace the answers to the questions the file has columns for, creating unknown questions."""
    questions = [question for question, _ in parser.questions]
    if not questions:
        return
    answers = _ANSWERS
    known = set(
        session.scalars(
            select(ProfileQuestion.code).where(
                ProfileQuestion.workspace_id == workspace_id, ProfileQuestion.code.in_(questions)
            )
        )
    )
    for question in questions:
        if question not in known:
            session.execute(
                insert(_QUESTIONS).values(workspace_id=workspace_id, code=question, description="")
            )
    if touched is not None:
        session.execute(
            delete(answers).where(answers.c.contact_id.in_(touched), answers.c.question.in_(questions))
        )
    contacts = _CONTACTS
    sa = _st_answers
    session.execute(
        insert(answers).from_select(
            ["contact_id", "question", "workspace_id", "answer", "answer_lower", "answer_number"],
            select(
                contacts.c.id,
                sa.c.question,
                literal(workspace_id),
                sa.c.answer,
                sa.c.answer_lower,
                sa.c.answer_number,
            ).join(contacts, and_(contacts.c.workspace_id == workspace_id, contacts.c.no == sa.c.no)),
        )
    )
