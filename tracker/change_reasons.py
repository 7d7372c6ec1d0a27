"""Why a record changed, in the reader's language.

The services store the reasons of the history records and placements in English, as they are written
("moved, effective 01/07/2025", "merged into tan-dong-ap-1", "cell merged into … before the ceremony",
"deactivated", "corrected"…): the migration that built the placements reads them back, and they stay as
they are. The pages show them through `reason_display`, which reads them back into their parts (a change,
the code of an organization, an effective date dd/mm/yyyy, several changes of one day joined by "; ")
and says each in the active language. A reason it does not know is shown as stored.
"""
from __future__ import annotations

import re

from django.utils.translation import gettext

# The changes the services name, as stored.
_CHANGES = {
    "created": lambda: gettext("created"),
    "changed": lambda: gettext("changed"),
    "moved": lambda: gettext("moved"),
    "deactivated": lambda: gettext("deactivated"),
    "corrected": lambda: gettext("corrected"),
    "ceremony date corrected": lambda: gettext("ceremony date corrected"),
    "code changed": lambda: gettext("code changed"),
}
_MERGED = re.compile(r"merged into (?P<code>\S+)")
_CELL_MERGED = re.compile(r"cell merged into (?P<code>\S+)")
_CELL_MERGED_BEFORE = re.compile(r"cell merged into (?P<code>\S+) before the ceremony")
_EFFECTIVE = re.compile(r"(?P<change>.+), effective (?P<date>\d{2}/\d{2}/\d{4})")


def _change(text: str) -> str | None:
    if text in _CHANGES:
        return _CHANGES[text]()
    if match := _CELL_MERGED_BEFORE.fullmatch(text):
        return gettext("cell merged into %(code)s before the ceremony") % match.groupdict()
    if match := _CELL_MERGED.fullmatch(text):
        return gettext("cell merged into %(code)s") % match.groupdict()
    if match := _MERGED.fullmatch(text):
        return gettext("merged into %(code)s") % match.groupdict()
    return None


def _part(text: str) -> str:
    if (said := _change(text)) is not None:
        return said
    if (match := _EFFECTIVE.fullmatch(text)) and (change := _change(match["change"])) is not None:
        return gettext("%(change)s, effective %(date)s") % {"change": change, "date": match["date"]}
    return text


def reason_display(reason: str | None) -> str:
    """A stored change reason as the reader's language says it ("" for none)."""
    if not reason:
        return ""
    return "; ".join(_part(part.strip()) for part in reason.split(";"))
