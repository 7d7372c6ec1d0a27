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


# The order of names as Vietnamese readers expect it (candidates.models: `sort_name`): by the given name, then
# the family name, then the middle names, each in the Vietnamese alphabet, tones after the letters.
VIETNAMESE_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"  # with f, j, w, z of foreign and minority names
_LETTER_MARKS = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
# Tones in the order of Vietnamese dictionaries and of ICU's "vi" collation: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_PUNCTUATION = {" ": "01", "-": "02", ".": "03", "'": "04", "\u2019": "04"}  # in ICU's order
_LETTERS = {letter: f"{10 + index:02d}" for index, letter in enumerate(VIETNAMESE_ALPHABET)}
_END = "00"  # ends a part of the key: lower than any character, so that "An" comes before "Anh"


def name_parts(full_name: str) -> tuple[str, str, str]:
    """(given name, family name, middle names) of a Vietnamese name written in reading order: "Nguyễn Văn An"
    is An, Nguyễn, Văn; a one-word name is a given name."""
    words = normalize_name(full_name).split(" ")
    if len(words) == 1:
        return words[0], "", ""
    return words[-1], words[0], " ".join(words[1:-1])


def _character_weights(char: str) -> tuple[str, int, int]:
    """(primary token, tone, case) of one character. Primary tokens are digits whose first two tell their length,
    so that keys compare character by character in any database collation: a letter of the Vietnamese alphabet is
    two digits in its order; another letter, or a digit or a sign, its code point after a prefix placing it."""
    if char in _PUNCTUATION:
        return _PUNCTUATION[char], 0, 0
    upper = 1 if char != char.lower() else 0
    decomposed = unicodedata.normalize("NFD", char.lower())
    base, marks = decomposed[0], decomposed[1:]
    letter = unicodedata.normalize("NFC", base + "".join(mark for mark in marks if mark in _LETTER_MARKS))
    tones = [_TONES[mark] for mark in marks if mark in _TONES]
    # Marks Vietnamese does not write (ü, ç, ñ, ĕ) weigh after the tones.
    foreign = letter not in _LETTERS or any(mark not in _TONES and mark not in _LETTER_MARKS for mark in marks)
    tone = min((tones[0] if tones else 0) + (6 if foreign else 0), 9)
    if letter in _LETTERS or base in _LETTERS:
        return _LETTERS.get(letter, _LETTERS.get(base)), tone, upper
    if unicodedata.category(base).startswith("L"):
        return f"99{ord(base):07d}", tone, upper  # other alphabets: after z, by code point
    return f"05{ord(char):07d}", 0, 0  # digits and other signs: after the usual signs, before the letters


def _part_key(part: str) -> str:
    weights = [_character_weights(char) for char in part]
    return (
        "".join(primary for primary, _tone, _case in weights) + _END
        + "".join(str(tone) for _primary, tone, _case in weights)
        + "".join(str(case) for _primary, _tone, case in weights)
    )


def sort_key(full_name: str) -> str:
    """What lists are sorted by: the given name, then the family name, then the middle names, each compared as
    ICU's Vietnamese collation does (letters a ă â … đ … ơ … ư …, then tones, then lower case before capitals).
    Only digits, so that it sorts the same on SQLite and PostgreSQL whatever the database's collation."""
    return "".join(_part_key(part) for part in name_parts(full_name))
