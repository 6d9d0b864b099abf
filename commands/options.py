"""The options of Add, Reduce and Refine: their flags, which change takes which, their labels.

The service knows them as ``ActionOptions`` fields; users type them as flags and see them as flags,
so this module is the one place that maps one to the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from commands.i18n import N_
from storage.service.types import ADD, OPTIONS_OF, REDUCE, ActionOptions

# ActionOptions field -> the flag a user types, in the order replies list them.
OPTION_FLAGS = {
    "expand_companies": "--expand-companies",
    "related_companies": "--related-companies",
    "ignore_exclusion": "--ignore-exclusion",
    "entire_companies": "--entire-companies",
}
FLAG_FIELDS = {flag: field for field, flag in OPTION_FLAGS.items()}

ADD_FLAGS = tuple(OPTION_FLAGS[field] for field in OPTIONS_OF[ADD])
NARROW_FLAGS = tuple(OPTION_FLAGS[field] for field in OPTIONS_OF[REDUCE])

# The segment builder's checkboxes for Add's options.
ADD_OPTION_LABELS = {
    "expand_companies": N_("Also add every person of a matched company (--expand-companies)"),
    "related_companies": N_("Also add the company of a matched person (--related-companies)"),
    "ignore_exclusion": N_("Include contacts excluded from segments (--ignore-exclusion)"),
}


def flags_of_fields(fields: str) -> str:
    """``"expand_companies, entire_companies"`` as ``"--expand-companies, --entire-companies"``."""
    names = [name.strip() for name in fields.split(",") if name.strip()]
    return ", ".join(OPTION_FLAGS.get(name, name) for name in names)


def option_flags(options: ActionOptions | Mapping[str, object]) -> list[str]:
    """The flags of the options that are set, as a user would type them (a journal's options are a dict)."""
    values = options if isinstance(options, Mapping) else vars(options)
    return [flag for field, flag in OPTION_FLAGS.items() if values.get(field)]
