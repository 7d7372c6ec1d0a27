"""Who may read a person's national ID in full (Nghị định 13/2023/NĐ-CP: it is sensitive personal data).

The organization-board staff over the person's home cell enter the ID and need it whole (and
superusers, whose staff scope is the whole tree); secretaries and everyone else see only its last
three digits. Every page and every workbook goes through `NationalIds`, so the rule lives here alone.
"""
from __future__ import annotations

from cells.selectors import staff_roots, within

from .models import Candidate

# A fixed number of dots, whatever the stored length: the mask tells nothing but the last digits.
MASK = "•" * 9


def mask_national_id(value: str | None) -> str:
    """"080300012345" → "•••••••••345"; empty stays empty."""
    if not value:
        return ""
    return MASK + (value[-3:] if len(value) > 3 else "")


class NationalIds:
    """The national IDs as one user may see them. Build one per request or export: it reads the
    user's staff scope once, however many people it is asked about."""

    def __init__(self, user) -> None:
        self.roots = staff_roots(user)

    def may_read(self, candidate: Candidate) -> bool:
        return within(candidate.home_cell, self.roots)

    def shown(self, candidate: Candidate) -> str:
        if not candidate.national_id:
            return ""
        return candidate.national_id if self.may_read(candidate) else mask_national_id(candidate.national_id)
