"""Believable demo contacts: companies with their persons, deterministic for a seed.

The generator produces rows in the contacts CSV layout and feeds them through the same loader as
the CSV import, so demo data obeys exactly the import's rules and loads as fast. It streams, so a
million contacts never sit in memory at once. Dates count back from ``today``; with the same seed
and the same ``today`` the data is identical.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.campaigns_import import CAMPAIGN_COLUMNS, load_campaign_rows
from storage.contacts_import import load_contact_rows
from storage.csv_format import CONTACT_FILE_COLUMNS, INTERACTION_FILE_COLUMNS
from storage.interactions_import import load_interaction_rows
from storage.models import Contact
from storage.service.codes import default_template, set_default_template

DEMO_PREFIX = "CT"

CONTACT_HEADER = [
    *CONTACT_FILE_COLUMNS,
    "profile.rating",
    "profile.revenue",
    "profile.employees",
    "profile.decision_maker",
]
INTERACTION_HEADER = list(INTERACTION_FILE_COLUMNS)


@dataclass(frozen=True)
class _Country:
    code: str
    language: str
    territory: str
    domain: str
    phone: str
    post_code: str  # '#' a digit, 'A' a letter
    cities: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    legal_forms: tuple[str, ...]
    weight: int


def _country(row: dict[str, Any]) -> _Country:
    """A country of the JSON file, its lists as the tuples ``_Country`` holds."""
    fields: dict[str, Any] = {key: tuple(v) if isinstance(v, list) else v for key, v in row.items()}
    return _Country(**fields)


# Names, places and number formats of the demo's countries, kept as data in storage/demo_countries.json.
_COUNTRIES = tuple(
    _country(row) for row in json.loads(files("storage").joinpath("demo_countries.json").read_text("utf-8"))
)
_COUNTRY_WEIGHTS = [country.weight for country in _COUNTRIES]

_INDUSTRIES = (
    "ADVERT", "ARCHI", "CONSULT", "ELECTR", "FURNI", "LAWYER", "MANUF", "PRESS", "RETAIL", "SOFTWARE",
    "TRAVEL", "WHOLESALE", "LOGISTICS", "HEALTH", "FINANCE",
)  # fmt: skip
_RELATIONS = ("CUST", "PROS", "VEND", "PARTNER", "BANK", "ACC", "LAW", "PRESS")
_RELATION_WEIGHTS = (38, 30, 10, 8, 3, 4, 3, 4)
_MAILING = ("NEWSLETTER", "CHRISTMAS", "EVENTS", "WEBINAR", "PRODUCT")
_JOBS = ("CEO", "CFO", "IT", "PURCHASE", "SALES", "MARKETING", "HR", "LOGISTICS", "PRODUCTION")
_JOB_WEIGHTS = (6, 5, 12, 16, 18, 12, 8, 10, 13)
_SALESPEOPLE = ("AH", "BC", "JR", "LT", "MK", "PS", "RB", "SK")
_TEMPLATES = ("MEETING", "EMAIL", "CALL", "LETTER", "DEMO")
_TEMPLATE_WEIGHTS = (20, 40, 30, 5, 5)
_TOPICS = {
    "MEETING": ("Kick-off meeting", "Quarterly review", "Site visit", "Contract negotiation"),
    "EMAIL": ("Follow-up email", "Price list sent", "Newsletter reply", "Quote sent"),
    "CALL": ("Intro call", "Support call", "Renewal call", "Cold call"),
    "LETTER": ("Welcome letter", "Contract by post"),
    "DEMO": ("Product demo", "Online demo"),
}
# The template a demo workspace's new segments log with: a mailing to the segment.
DEMO_DEFAULT_TEMPLATE = "EMAIL"
# Campaigns dated back from today: (no, description, first day ago, last day ago).
_CAMPAIGNS = (
    ("CP0001", "Spring trade fair", 300, 270),
    ("CP0002", "Summer webinar series", 200, 140),
    ("CP0003", "Autumn product launch", 90, 45),
    ("CP0004", "Year-end offer", 30, -30),
)
_EVALUATIONS = ("", "Very Positive", "Positive", "Neutral", "Negative", "Very Negative")
_EVALUATION_WEIGHTS = (30, 10, 30, 20, 7, 3)
_NAME_FIRST = (
    "Northwind", "Contoso", "Fabrikam", "Adatum", "Litware", "Proseware", "Tailspin", "Wingtip", "Alpine",
    "Blue Yonder", "Coho", "Fourth Coffee", "Graphic", "Humongous", "Lucerne", "Margie's", "Nod", "Trey",
    "Wide World", "Woodgrove", "Cronus", "Bluestone", "Silverline", "Redwood", "Greenfield", "Oakridge",
    "Summit", "Harbor", "Pioneer", "Cardinal", "Beacon", "Crescent", "Evergreen", "Granite", "Horizon",
)  # fmt: skip
_NAME_SECOND = (
    "Traders", "Systems", "Furniture", "Logistics", "Design", "Solutions", "Industries", "Consulting",
    "Foods", "Electronics", "Media", "Partners", "Supplies", "Labs", "Works", "Holdings", "Retail",
    "Engineering", "Health", "Capital", "Travel", "Software", "Studios", "Imports", "Manufacturing",
)  # fmt: skip


def generate_demo(
    session: Session,
    workspace_id: int,
    *,
    count: int,
    seed: int = 1,
    today: date | None = None,
) -> int:
    """Create ``count`` demo contacts (about one company to four persons) with their classifications,
    profile answers and a few interactions; return how many contacts were created.

    Numbers continue after the workspace's highest demo number (``CT000001``...), so running it again
    adds more contacts instead of clashing. Does not commit.
    """
    if count <= 0:
        return 0
    today = today or date.today()
    start = _next_number(session, workspace_id)
    contacts = _numbered(demo_contact_rows(count, seed, start, today))
    summary = load_contact_rows(session, workspace_id, CONTACT_HEADER, contacts)
    load_campaign_rows(session, workspace_id, list(CAMPAIGN_COLUMNS), _numbered(demo_campaign_rows(today)))
    interactions = _numbered(demo_interaction_rows(count, seed, start, today))
    load_interaction_rows(session, workspace_id, INTERACTION_HEADER, interactions)
    if default_template(session, workspace_id) is None:
        set_default_template(session, workspace_id, DEMO_DEFAULT_TEMPLATE)
    return summary.inserted


def demo_campaign_rows(today: date) -> Iterator[list[str]]:
    """Rows in ``CAMPAIGN_COLUMNS`` layout: a year of campaigns, the last one running today."""
    for number, (no, description, first, last) in enumerate(_CAMPAIGNS):
        yield [
            no,
            description,
            (today - timedelta(days=first)).isoformat(),
            (today - timedelta(days=last)).isoformat(),
            _SALESPEOPLE[number % len(_SALESPEOPLE)],
        ]


def write_demo_csv(
    path: Path,
    *,
    count: int,
    seed: int = 1,
    today: date | None = None,
    interactions: Path | None = None,
    campaigns: Path | None = None,
) -> int:
    """Write ``count`` demo contacts as a contacts CSV (and, with ``interactions`` and ``campaigns``,
    their interactions and the campaigns those name: import the campaigns first); return the number of
    contact rows written. For benchmarks and for trying the imports."""
    today = today or date.today()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CONTACT_HEADER)
        writer.writerows(demo_contact_rows(count, seed, 1, today))
    if campaigns is not None:
        with campaigns.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CAMPAIGN_COLUMNS)
            writer.writerows(demo_campaign_rows(today))
    if interactions is not None:
        with interactions.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(INTERACTION_HEADER)
            writer.writerows(demo_interaction_rows(count, seed, 1, today))
    return count


def demo_contact_rows(count: int, seed: int, start: int, today: date) -> Iterator[list[str]]:
    """Rows in ``CONTACT_HEADER`` layout: each company followed by its persons, numbered from ``start``."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        country = rng.choices(_COUNTRIES, _COUNTRY_WEIGHTS)[0]
        company_no = _no(start + made)
        brand = f"{rng.choice(_NAME_FIRST)} {rng.choice(_NAME_SECOND)}"
        company_name = f"{brand} {rng.choice(country.legal_forms)}"
        domain = f"{_slug(brand)}{rng.randrange(100)}.{country.domain}"
        city = rng.choice(country.cities)
        post_code = _post_code(rng, country.post_code)
        salesperson = rng.choice(_SALESPEOPLE)
        created = today - timedelta(days=rng.randrange(5 * 365))
        employees = int(rng.lognormvariate(3.5, 1.3)) + 1
        revenue = max(10_000, round(employees * rng.uniform(60_000, 250_000), -3))
        industries = rng.sample(_INDUSTRIES, 1 if rng.random() < 0.8 else 2)
        relations = rng.choices(_RELATIONS, _RELATION_WEIGHTS, k=1 if rng.random() < 0.85 else 2)
        # The company's persons share its address and salesperson.
        address = [city, country.code, post_code, country.territory, salesperson]
        yield [
            company_no,
            "company",
            company_name,
            "",
            f"info@{domain}",
            _phone(rng, country.phone),
            *address,
            country.language,
            ";".join(industries),
            ";".join(relations),
            "NEWSLETTER" if rng.random() < 0.3 else "",
            "",
            _flag(rng.random() < 0.02),
            created.isoformat(),
            rng.choices("ABC", (20, 50, 30))[0],
            f"{revenue:.0f}",
            str(employees),
            "",
        ]
        made += 1
        # 0 to 8 persons, four on average, as in a typical Business Central contact list.
        for _ in range(min(rng.randint(0, 8), count - made)):
            first, last = rng.choice(country.first_names), rng.choice(country.last_names)
            yield [
                _no(start + made),
                "person",
                f"{first} {last}",
                company_no,
                f"{_slug(first)}.{_slug(last)}@{domain}",
                _phone(rng, country.phone),
                *address,
                country.language if rng.random() < 0.9 else "ENU",
                "",
                "",
                ";".join(rng.sample(_MAILING, rng.choices((0, 1, 2), (40, 45, 15))[0])),
                ";".join(rng.choices(_JOBS, _JOB_WEIGHTS, k=1 if rng.random() < 0.85 else 2)),
                _flag(rng.random() < 0.03),
                (created + timedelta(days=rng.randrange(max(1, (today - created).days)))).isoformat(),
                "",
                "",
                "",
                # Not every person has answered the questionnaire.
                "" if rng.random() < 0.6 else _flag(rng.random() < 0.4),
            ]
            made += 1


def demo_interaction_rows(count: int, seed: int, start: int, today: date) -> Iterator[list[str]]:
    """Rows in ``INTERACTION_HEADER`` layout: a few logged interactions for about a fifth of the
    contacts, dated within the last year. Half of those dated in a campaign's period belong to it."""
    # A separate stream, so contacts stay the same whatever is decided here.
    rng = random.Random(f"interactions-{seed}")
    # And another for the campaign, salesperson and direction, so the entries above stay the same too.
    extra = random.Random(f"interaction-details-{seed}")
    for number in range(start, start + count):
        if rng.random() >= 0.2:
            continue
        for _ in range(rng.randint(1, 3)):
            template = rng.choices(_TEMPLATES, _TEMPLATE_WEIGHTS)[0]
            days_ago = rng.randrange(365)
            running = [no for no, _, first, last in _CAMPAIGNS if last <= days_ago <= first]
            inbound = template in ("EMAIL", "CALL") and extra.random() < 0.3
            yield [
                _no(number),
                template,
                (today - timedelta(days=days_ago)).isoformat(),
                rng.choice(_TOPICS[template]),
                "",
                rng.choices(_EVALUATIONS, _EVALUATION_WEIGHTS)[0],
                running[0] if running and extra.random() < 0.5 else "",
                extra.choice(_SALESPEOPLE),
                "inbound" if inbound else "outbound",
                "them" if inbound else "us",
            ]


def _numbered(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    # Line numbers as a CSV of these rows would have them (the header is line 1).
    return ((line, row) for line, row in enumerate(rows, start=2))


def _next_number(session: Session, workspace_id: int) -> int:
    highest = session.scalar(
        select(Contact.no)
        .where(Contact.workspace_id == workspace_id, Contact.no.like(f"{DEMO_PREFIX}%"))
        .order_by(func.length(Contact.no).desc(), Contact.no.desc())
        .limit(1)
    )
    if highest and highest[len(DEMO_PREFIX) :].isdigit():
        return int(highest[len(DEMO_PREFIX) :]) + 1
    return 1


def _no(number: int) -> str:
    return f"{DEMO_PREFIX}{number:06d}"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def _phone(rng: random.Random, prefix: str) -> str:
    return f"{prefix} {rng.randrange(1000, 10000)} {rng.randrange(1000, 10000)}"


def _post_code(rng: random.Random, pattern: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "A" else ch for ch in pattern
    )
