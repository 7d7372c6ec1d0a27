"""What a typed name and national ID may hold: one place for the forms, the services, the import and the admin.

Vietnamese keyboards type a letter either whole (NFC: "ệ") or as a letter and its marks (NFD: "e" + "̂" + "̣");
both look the same, so names are stored in NFC and compared case-folded, or the same person would pass the
duplicate checks twice. Characters nobody can see (zero-width, direction overrides, control codes) are refused
rather than removed, so that what is stored is what the user sees.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Spaces a keyboard or a spreadsheet puts in a name (tab, line break, no-break and wide spaces) become one space.
_SPACES = re.compile(r"[\t\n\r \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Control, format (zero-width, bidi overrides), surrogate, private-use, unassigned, line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Letters and marks that show nothing: Hangul fillers, the grapheme joiner, variation selectors.
_INVISIBLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10),
              *range(0xE0100, 0xE01F0)}
# Vietnamese puts at most two marks on a letter (ệ: a circumflex and a dot below); NFC leaves none of them apart.
MAX_MARKS = 2
_NATIONAL_ID = re.compile(r"[0-9]{12}")  # not \d, which takes "²", Arabic-Indic and full-width digits


def normalize_name(value: str) -> str:
    """The name as it is stored: NFC, one space between words, none around."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip(" ")


def name_key(value: str) -> str:
    """What the duplicate checks compare: the stored form, case-folded ("NGUYỄN" is "Nguyễn")."""
    return unicodedata.normalize("NFC", normalize_name(value).casefold())


def same_name(people: Iterable, name: str) -> list:
    """The people (anything with a full_name) whose name is `name`, compared by name_key: the database's
    own comparison misses NFD, and on SQLite folds the case of ASCII letters only."""
    key = name_key(name)
    return [person for person in people if name_key(person.full_name) == key]


def validate_name(value: str) -> None:
    """A model validator: run on the stored (normalized) name, by the forms and by every service's full_clean."""
    hidden = sorted({char for char in value if unicodedata.category(char) in _REFUSED_CATEGORIES or ord(char) in _INVISIBLE})
    if hidden:
        raise ValidationError(
            _("Remove the invisible or control characters from the name (%(characters)s)."),
            code="invisible", params={"characters": ", ".join(f"U+{ord(char):04X}" for char in hidden)},
        )
    on_letter, marks = False, 0  # whether the last character that is not a mark is a letter; marks since it
    for char in value:
        category = unicodedata.category(char)
        if category.startswith("M"):
            marks += 1
            if not on_letter or marks > MAX_MARKS:
                raise ValidationError(_("Accents must sit on letters, at most two on one letter."), code="marks")
        else:
            on_letter, marks = category.startswith("L"), 0
    if not any(unicodedata.category(char).startswith("L") for char in value):
        raise ValidationError(_("A name must contain letters."), code="no_letters")


def validate_national_id(value: str) -> None:
    if not _NATIONAL_ID.fullmatch(value):
        raise ValidationError(_("A national ID number has exactly 12 digits."), code="national_id")
