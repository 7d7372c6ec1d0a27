"""How a dated change rewrites an organization's placements, as plain values.

No database here: the services and the migration that built the first histories (0006) share it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, fields, replace

STATE = ("parent_id", "name", "kind", "sector", "is_active")


@dataclass
class Span:
    """One placement: the organization's state from `valid_from` (None: always) to `valid_to`
    (exclusive; None: until further notice)."""

    valid_from: datetime.date | None
    valid_to: datetime.date | None
    parent_id: int | None
    name: str
    kind: str
    sector: str
    is_active: bool
    reason: str = ""
    # What was changed on `valid_from` (names from STATE): a change applies until the next change of
    # the same thing by date, which neighbouring spans in the same state would otherwise hide.
    changed: frozenset = frozenset()

    def covers(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)

    def state(self) -> tuple:
        return tuple(getattr(self, name) for name in STATE)


def span_of(row) -> Span:
    """A Span with the values of a Placement row (or anything with the same attributes)."""
    values = {field.name: getattr(row, field.name) for field in fields(Span) if field.name != "changed"}
    return Span(**values, changed=frozenset(row.changed.split()))


def changed_text(span: Span) -> str:
    """`changed` as a Placement row stores it."""
    return " ".join(name for name in STATE if name in span.changed)


def in_order(spans: list[Span]) -> list[Span]:
    return sorted(spans, key=lambda span: span.valid_from or datetime.date.min)


def span_on(spans: list[Span], day: datetime.date) -> Span | None:
    """The span in force on `day`; before the first one, the first one (the earliest state known)."""
    ordered = in_order(spans)
    for span in ordered:
        if span.covers(day):
            return span
    return ordered[0] if ordered and ordered[0].valid_from and day < ordered[0].valid_from else None


class BeforeFirstSpan(ValueError):
    """A change dated before anything is known of the organization (it was created later)."""


def change_from(spans: list[Span], day: datetime.date, reason: str, **changes) -> tuple[list[Span], dict]:
    """The spans after a change of some of STATE's values from `day` on, and for each value changed the
    day it stops applying (None: it applies to the end).

    A change applies from its day until the next change of the same value by date, not until today:
    moving a cell on 01/06/2024 when its move of 01/01/2025 is already recorded places it for those seven
    months only. That is what makes the order of entry irrelevant. A second change of the same value on
    the same day replaces the first.
    """
    ordered = [replace(span) for span in in_order(spans)]
    if not ordered:
        raise ValueError("an organization always has a placement")
    if not any(span.covers(day) for span in ordered):
        raise BeforeFirstSpan(day)
    pieces = []
    for span in ordered:
        if span.covers(day) and span.valid_from != day:
            pieces += [replace(span, valid_to=day), replace(span, valid_from=day, reason="", changed=frozenset())]
        else:
            pieces.append(span)
    first = next(index for index, span in enumerate(pieces) if span.valid_from == day)
    here = pieces[first]
    if here.reason and here.reason != reason:  # two changes on the same day
        reason = f"{here.reason}; {reason}"
    here.reason, here.changed = reason[:200], here.changed | set(changes)
    until = {}
    for name, value in changes.items():
        until[name] = None
        for span in pieces[first:]:
            if span is not here and name in span.changed:
                until[name] = span.valid_from
                break
            setattr(span, name, value)
    return pieces, until
