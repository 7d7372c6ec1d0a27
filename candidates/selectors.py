"""Reads of people and classes that depend on who asks: which organization owns each step of the
procedure and who may record it, and which attendees of a class a user may see or change."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from cells.models import Organization, OrganizationRole
from cells.selectors import holds_role, staff_roots, subtrees_q, within

from .models import DOSSIER_FORMS, AwarenessClass, Candidate, ClassAttendance, Stage

# Each step belongs to one organization: the candidate's cell, the grassroots organization above it
# (which passes the committee's resolution), or the deciding committee above that (district-level or
# provincial), which decides the admission, holds the ceremony and ends the probation.
CELL_STEPS = frozenset({Stage.SOURCED, Stage.TRAINED, Stage.APPLIED, Stage.VERIFIED, Stage.CELL_RESOLUTION, Stage.DROPPED})
COMMITTEE_STEPS = frozenset({Stage.COMMITTEE_RESOLUTION})
DECISION_STEPS = frozenset({Stage.DECIDED, Stage.PROBATIONARY, Stage.FULL_MEMBER, Stage.NOT_CONFIRMED})

GRASSROOTS_KINDS = {Organization.Kind.GRASSROOTS_COMMITTEE, Organization.Kind.GRASSROOTS_CELL}

# Besides the board staff of the owner or of any organization above it (who may always record a step),
# the roles held on the owner itself that may record it: a cell's and a grassroots committee's secretary
# record their own organization's steps; the admission itself is the board staff's.
OWNER_ROLES = {
    "cell": {OrganizationRole.Role.SECRETARY},
    "committee": {OrganizationRole.Role.SECRETARY},
    "decision": set(),
}


def _step_level(stage: str) -> str:
    if stage in COMMITTEE_STEPS:
        return "committee"
    if stage in DECISION_STEPS:
        return "decision"
    return "cell"


def _owners(cell: Organization) -> dict[str, Organization]:
    """The three owners of a cell's steps, from one read of its lineage."""
    lineage = list(Organization.objects.filter(path__in=cell.lineage_paths()).order_by("depth"))
    # The nearest grassroots organization (a grassroots cell is its own); under a sub-committee, the
    # committee above it. A tree that breaks the placement rules falls back to the cell's parent.
    grassroots_at = next((i for i in range(len(lineage) - 1, -1, -1) if lineage[i].kind in GRASSROOTS_KINDS), None)
    if grassroots_at is None:
        grassroots_at = max(len(lineage) - 2, 0)
    deciding_at = max(grassroots_at - 1, 0)
    return {"cell": cell, "committee": lineage[grassroots_at], "decision": lineage[deciding_at]}


def step_owner(cell: Organization, stage: str) -> Organization:
    """The organization that records `stage` for a person of `cell`."""
    if _step_level(stage) == "cell":
        return cell
    return _owners(cell)[_step_level(stage)]


def _may_record(user, owner: Organization, level: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or within(owner, staff_roots(user)):
        return True
    return holds_role(user, owner, OWNER_ROLES[level])


def may_record_step(user, candidate: Candidate, stage: str) -> bool:
    """Whether the user may record `stage` for this person (whether the procedure allows it now is
    rules.next_stages's question)."""
    return _may_record(user, step_owner(candidate.home_cell, stage), _step_level(stage))


def steps_user_may_record(user, candidate: Candidate, stages: Iterable[str]) -> list[str]:
    """Those of `stages` the user may record for this person, in their order (one read of the tree)."""
    stages = list(stages)
    if not stages or not user.is_authenticated:
        return []
    owners = _owners(candidate.home_cell) if any(_step_level(s) != "cell" for s in stages) else {"cell": candidate.home_cell}
    allowed = {level: _may_record(user, owner, level) for level, owner in owners.items()}
    return [stage for stage in stages if allowed[_step_level(stage)]]


# The probation's papers are written at the cell (the member's self-assessment, the mentor's, the summary
# of opinions and the cell's own resolution on full membership) although the step they lead to, full
# membership, is the deciding committee's: the cell files them.
FILED_BY_THE_CELL = {"10-KNĐ": Stage.SOURCED, "11-KNĐ": Stage.SOURCED, "12-KNĐ": Stage.SOURCED, "13-KNĐ": Stage.SOURCED}


def _filing_step(code: str) -> str:
    return FILED_BY_THE_CELL.get(code, DOSSIER_FORMS[code][1])


def forms_user_may_file(user, candidate: Candidate) -> list[str]:
    """The dossier forms the user may file for this person: those of the steps they may record (the
    probation's papers with the cell's steps)."""
    stages = steps_user_may_record(user, candidate, {_filing_step(code) for code in DOSSIER_FORMS})
    return [code for code in DOSSIER_FORMS if _filing_step(code) in stages]


def attendances_within(awareness_class: AwarenessClass, roots) -> QuerySet[ClassAttendance]:
    """The class's attendees whose home cell is under one of `roots`: a class may hold people of several
    organizations, and a user reads (record roots) or changes (staff roots) only those of their own."""
    return awareness_class.attendances.filter(subtrees_q(roots, field="candidate__home_cell__path"))


def cell_of_on(candidate: Candidate, day) -> Organization:
    """The person's cell on `day`: their cell, or the cell it absorbed them from when that merge took
    effect after `day` (a decision dated before the merge is the old cell's)."""
    cell = candidate.home_cell
    for source in cell.merged_from.filter(deactivated_on__gt=day).order_by("-deactivated_on"):
        if candidate.history.filter(home_cell=source).exists():
            return source
    return cell
