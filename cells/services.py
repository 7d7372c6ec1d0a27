"""Writes to the organization tree and its targets. Views, admin and commands call these."""
from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from candidates.models import Admission, Candidate, PIPELINE_STAGES
from candidates.services import admission_credits_rebuild

from tracker.services import snapshots_invalidate

from .dates import planned_date_error, refuse
from .models import Organization, Target, Term, validate_placement
from .selectors import lineage_ids, units_of


def _save_with_history(organization: Organization, *, acting_user, reason: str, update_fields=None) -> None:
    # Treebeard rewrites paths with bulk updates that leave no history; saving the
    # node once more records the new position with who did it and why.
    organization._history_user = acting_user
    organization._change_reason = reason
    organization.save(update_fields=update_fields)


@transaction.atomic
def organization_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Organization | None = None,
    sector: str = Organization.Sector.OTHER,
    acting_user: AbstractBaseUser | None = None,
) -> Organization:
    if parent is not None:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        if not parent.is_active:
            raise ValidationError(_("%(parent)s is no longer active.") % {"parent": parent.name})
    validate_placement(kind, parent)
    organization = Organization(code=code, name=name, kind=kind, sector=sector)
    organization.full_clean(exclude=["path", "depth", "numchild"])
    organization._history_user = acting_user
    if parent is None:
        return Organization.objects.add_root(instance=organization)
    snapshots_invalidate(organization_ids=lineage_ids(parent))
    return Organization.objects.add_child(parent, instance=organization)


def _move_under(organization: Organization, new_parent: Organization | None) -> None:
    if new_parent is None:
        last_root = Organization.objects.get_last_root_node()
        if last_root.pk != organization.pk:
            Organization.objects.move(organization, last_root, pos="last-sibling")
    else:
        Organization.objects.move(organization, new_parent, pos="last-child")
    organization.refresh_from_db()


@transaction.atomic
def organization_move(
    *,
    organization: Organization,
    new_parent: Organization | None,
    effective_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
) -> Organization:
    """Move an organization and its subtree under a new parent from `effective_on`.

    Admissions before that date keep counting for the old ancestors; later ones are
    credited to the new ones.
    """
    _check_effective_on(effective_on)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if new_parent is not None:
        new_parent = Organization.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(organization.path):
            raise ValidationError(_("An organization cannot be moved under itself or one of its own units."))
        if not new_parent.is_active:
            raise ValidationError(_("%(parent)s is no longer active.") % {"parent": new_parent.name})
    validate_placement(organization.kind, new_parent)
    old_lineage = lineage_ids(organization)
    _move_under(organization, new_parent)
    touched = set(old_lineage + lineage_ids(organization))
    snapshots_invalidate(organization_ids=touched)
    _mark_restructured(touched - {organization.pk}, effective_on)
    _save_with_history(organization, acting_user=acting_user, reason=f"moved, effective {effective_on:%d/%m/%Y}")
    admission_credits_rebuild(
        admissions=Admission.objects.filter(cell__path__startswith=organization.path, admitted_on__gte=effective_on)
    )
    return organization


def _check_effective_on(effective_on: datetime.date) -> None:
    """A restructuring may be decided ahead of its date, but not years ahead nor before the Party."""
    refuse({"effective_on": planned_date_error(effective_on)})


def _mark_restructured(organization_ids: set[int], effective_on: datetime.date) -> None:
    Organization.objects.filter(pk__in=organization_ids).filter(
        Q(restructured_on__isnull=True) | Q(restructured_on__lt=effective_on)
    ).update(restructured_on=effective_on)


def _pipeline_count(organization: Organization) -> int:
    return Candidate.objects.filter(home_cell__path__startswith=organization.path, stage__in=PIPELINE_STAGES).count()


@transaction.atomic
def organization_deactivate(
    *, organization: Organization, effective_on: datetime.date, acting_user: AbstractBaseUser | None = None
) -> Organization:
    """Close an organization and everything under it; its past figures stay."""
    _check_effective_on(effective_on)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    waiting = _pipeline_count(organization)
    if waiting:
        # Closing a cell with people still in its pipeline is how sources get lost.
        raise ValidationError(
            _(
                "%(name)s still has %(count)d candidate(s) in the pipeline: move them to another cell first."
            )
            % {"name": organization.name, "count": waiting}
        )
    snapshots_invalidate(organization_ids=lineage_ids(organization))
    for unit in organization.subtree().filter(is_active=True):
        unit.is_active = False
        unit.deactivated_on = effective_on
        _save_with_history(unit, acting_user=acting_user, reason="deactivated", update_fields=["is_active", "deactivated_on"])
    organization.refresh_from_db()
    return organization


@transaction.atomic
def organization_merge(
    *,
    source: Organization,
    into: Organization,
    effective_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
) -> Organization:
    """Merge `source` into `into` from `effective_on`.

    Its units, its candidates in the pipeline and its admissions from that date on move
    to `into`; its earlier admissions stay where they happened, so no count changes
    for a past period and nothing is counted twice.
    """
    _check_effective_on(effective_on)
    source = Organization.objects.select_for_update().get(pk=source.pk)
    into = Organization.objects.select_for_update().get(pk=into.pk)
    if source.pk == into.pk:
        raise ValidationError(_("An organization cannot be merged into itself."))
    if source.kind != into.kind:
        raise ValidationError(
            _("Only organizations of the same kind can be merged (%(a)s is a %(a_kind)s, %(b)s a %(b_kind)s).")
            % {"a": source.name, "a_kind": source.get_kind_display(), "b": into.name, "b_kind": into.get_kind_display()}
        )
    if into.path.startswith(source.path) or source.path.startswith(into.path):
        raise ValidationError(_("An organization cannot be merged with one of its own units."))
    if not (source.is_active and into.is_active):
        raise ValidationError(_("Both organizations must be active to be merged."))

    for child in units_of(source):
        organization_move(organization=child, new_parent=into, effective_on=effective_on, acting_user=acting_user)
    source.refresh_from_db()

    for candidate in Candidate.objects.filter(home_cell=source, stage__in=PIPELINE_STAGES):
        candidate.home_cell = into
        candidate._history_user = acting_user
        candidate._change_reason = f"cell merged into {into.code}"
        candidate.save(update_fields=["home_cell", "updated_at"])
    later = Admission.objects.filter(Q(admitted_on__gte=effective_on) | Q(admitted_on__isnull=True), cell=source)
    moved_ids = list(later.values_list("pk", flat=True))
    for admission in Admission.objects.filter(pk__in=moved_ids):
        admission.cell = into
        admission._history_user = acting_user
        admission.save(update_fields=["cell"])
    admission_credits_rebuild(admissions=Admission.objects.filter(pk__in=moved_ids))

    touched = set(lineage_ids(source) + lineage_ids(into))
    snapshots_invalidate(organization_ids=touched)
    _mark_restructured(touched, effective_on)
    source.is_active = False
    source.deactivated_on = effective_on
    source.merged_into = into
    _save_with_history(
        source, acting_user=acting_user, reason=f"merged into {into.code}",
        update_fields=["is_active", "deactivated_on", "merged_into"],
    )
    return into


class TargetsChanged(ValidationError):
    """Targets someone else changed since the user loaded them; nothing was saved. `current` holds their
    counts now (None: no plan)."""

    def __init__(self, current: dict[Organization, int | None]):
        super().__init__(_("Some targets were changed by someone else in the meantime; nothing was saved."))
        self.current = current


def _target_period(year: int | None, term: Term | None) -> dict:
    if (year is None) == (term is None):
        raise ValidationError(_("Give either a year or a term, not both."))
    return {"year": year} if year is not None else {"term": term}


def _target_locked(organization: Organization, period: dict) -> Target | None:
    return Target.objects.select_for_update().filter(organization=organization, **period).order_by().first()


def _target_insert(
    *, organization: Organization, period: dict, count: int, resolution: str, acting_user
) -> tuple[Target, bool]:
    """Create a missing target: (target, True). If another transaction created it first, that one, locked,
    with False: the unique constraints made our insert wait for it to commit and then fail."""
    target = Target(organization=organization, count=count, resolution=resolution, **period)
    # Not the unique constraints: a check before the insert cannot see a target that another transaction is
    # about to commit; the insert below is the check.
    target.full_clean(validate_constraints=False)
    target._history_user = acting_user
    try:
        with transaction.atomic():  # a savepoint: losing the race must leave the transaction usable
            target.save(force_insert=True)
    except IntegrityError:
        existing = _target_locked(organization, period)
        if existing is None:
            raise
        return existing, False
    snapshots_invalidate(organization_ids=lineage_ids(organization))
    return target, True


def _target_update(target: Target, *, organization: Organization, count: int, resolution: str, acting_user) -> None:
    target.count = count
    target.resolution = resolution
    target.full_clean(validate_constraints=False)
    target._history_user = acting_user
    target.save(update_fields=["count", "resolution"])
    snapshots_invalidate(organization_ids=lineage_ids(organization))


@transaction.atomic
def target_set(
    *,
    organization: Organization,
    count: int,
    year: int | None = None,
    term: Term | None = None,
    resolution: str = "",
    acting_user: AbstractBaseUser | None = None,
) -> Target:
    """Create or change an organization's target for one year or one term.

    Two people creating the same missing target at once both succeed: the later save changes what the
    first created, as if they had come one after the other."""
    period = _target_period(year, term)
    if count < 0:
        raise ValidationError(_("A target cannot be negative."))
    target = _target_locked(organization, period)
    if target is None:
        target, created = _target_insert(
            organization=organization, period=period, count=count, resolution=resolution, acting_user=acting_user
        )
        if created:
            return target
    _target_update(target, organization=organization, count=count, resolution=resolution, acting_user=acting_user)
    return target


@transaction.atomic
def organization_split(
    *,
    source: Organization,
    code: str,
    name: str,
    units: list[Organization],
    effective_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
) -> Organization:
    """Split `source`: a new organization of the same kind beside it takes `units` from `effective_on`."""
    _check_effective_on(effective_on)
    source = Organization.objects.get(pk=source.pk)
    for unit in units:
        if Organization.objects.get_parent(unit) != source:
            raise ValidationError(
                _("%(unit)s is not directly under %(source)s.") % {"unit": unit.name, "source": source.name}
            )
    created = organization_create(
        code=code, name=name, kind=source.kind, sector=source.sector,
        parent=Organization.objects.get_parent(source), acting_user=acting_user,
    )
    for unit in units:
        organization_move(organization=unit, new_parent=created, effective_on=effective_on, acting_user=acting_user)
    return created


@transaction.atomic
def targets_set_many(
    *, counts: dict[Organization, int | None], loaded: dict[Organization, int | None] | None = None,
    year: int | None = None, term: Term | None = None, acting_user: AbstractBaseUser | None = None,
) -> int:
    """Set several organizations' targets for one period at once; None removes a target (no plan).

    Only the organizations in `counts` change. `loaded` holds the counts the user was shown: a row still
    at its loaded count is left alone, whatever it is now, and a row someone else changed since is not
    overwritten: TargetsChanged lists every such row with its count now, and nothing is saved.
    Returns how many targets changed."""
    period = _target_period(year, term)
    if any(count is not None and count < 0 for count in counts.values()):
        raise ValidationError(_("A target cannot be negative."))
    loaded = loaded or {}
    # In one order (the rows locked by id, then the writes by organization), so that two tables saved at
    # once over the same rows wait for each other instead of deadlocking.
    wanted = sorted(
        (org for org, count in counts.items() if org not in loaded or loaded[org] != count),
        key=lambda organization: organization.pk,
    )
    locked = {
        target.organization_id: target
        for target in Target.objects.select_for_update().filter(organization__in=wanted, **period).order_by("pk")
    }
    changed, conflicts = 0, {}
    for organization in wanted:
        count, target = counts[organization], locked.get(organization.pk)
        if target is None and count is not None and loaded.get(organization) is None:
            target, created = _target_insert(
                organization=organization, period=period, count=count, resolution="", acting_user=acting_user
            )
            if created:
                changed += 1
                continue
        now = None if target is None else target.count
        if now == count:
            continue
        if organization in loaded and now != loaded[organization]:
            conflicts[organization] = now
        elif count is None:
            target._history_user = acting_user
            target.delete()
            snapshots_invalidate(organization_ids=lineage_ids(organization))
            changed += 1
        else:
            _target_update(target, organization=organization, count=count, resolution="", acting_user=acting_user)
            changed += 1
    if conflicts:
        raise TargetsChanged(conflicts)  # the transaction rolls back what the other rows wrote
    return changed
