"""Writes to the organization tree and its targets. Views, admin and commands call these."""
from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from candidates.models import Admission, AdmissionCredit, Candidate, PIPELINE_STAGES
from candidates.services import admission_credits_rebuild

from tracker.services import period_figures_discard, snapshots_invalidate

from .dates import planned_date_error, refuse
from .models import ALLOWED_PARENT_KINDS, Organization, Placement, Target, Term, validate_placement
from .placements import STATE, BeforeFirstSpan, Span, change_from, changed_text, span_of
from .selectors import active_on, lineage_ids, lineage_ids_on, placement_on, placements_of, tree_on, units_of


def _save_with_history(organization: Organization, *, acting_user, reason: str, update_fields=None) -> None:
    # Treebeard rewrites paths with bulk updates that leave no history; saving the
    # node once more records the new position with who did it and why.
    organization._history_user = acting_user
    organization._change_reason = reason
    organization.save(update_fields=update_fields)


def _date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@transaction.atomic
def organization_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Organization | None = None,
    sector: str = Organization.Sector.OTHER,
    effective_on: datetime.date | None = None,
    acting_user: AbstractBaseUser | None = None,
) -> Organization:
    """Create an organization; with `effective_on`, it exists from that day (a split), otherwise it has
    always been there as far as the figures go (a cell entered to record its past)."""
    if parent is not None:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        if not parent.is_active:
            raise ValidationError(_("%(parent)s is no longer active.") % {"parent": parent.name})
    validate_placement(kind, parent)
    organization = Organization(code=code, name=name, kind=kind, sector=sector)
    organization.full_clean(exclude=["path", "depth", "numchild"])
    organization._history_user = acting_user
    if parent is None:
        organization = Organization.objects.add_root(instance=organization)
    else:
        snapshots_invalidate(organization_ids=lineage_ids(parent))
        organization = Organization.objects.add_child(parent, instance=organization)
    Placement.objects.create(
        organization=organization, valid_from=effective_on, parent=parent, name=name, kind=kind, sector=sector,
        is_active=True, reason="created",
    )
    return organization


def _move_under(organization: Organization, new_parent: Organization | None) -> None:
    if new_parent is None:
        last_root = Organization.objects.get_last_root_node()
        if last_root.pk != organization.pk:
            Organization.objects.move(organization, last_root, pos="last-sibling")
    else:
        Organization.objects.move(organization, new_parent, pos="last-child")
    organization.refresh_from_db()


def _placements_change(
    organization: Organization, effective_on: datetime.date, reason: str, **changes
) -> dict[str, datetime.date | None]:
    """Write a change of the organization's placements from `effective_on` (see
    `cells.placements.change_from`) and bring the organization's own fields, and its place in the
    tree, to its last placement. Returns, for each value changed, the day the change stops applying.

    Call with the organization's row locked: two changes of one organization must not interleave."""
    old = placements_of([organization.pk])[organization.pk]
    try:
        spans, until = change_from(old, effective_on, reason, **changes)
    except BeforeFirstSpan:
        raise ValidationError(
            _("%(name)s did not exist yet on %(date)s.") % {"name": organization.name, "date": _date(effective_on)}
        ) from None
    _placements_save(organization, spans)
    latest = spans[-1]
    current_parent = Organization.objects.get_parent(organization)
    if (current_parent.pk if current_parent else None) != latest.parent_id:
        parent = Organization.objects.get(pk=latest.parent_id) if latest.parent_id else None
        if parent is not None and parent.path.startswith(organization.path):
            raise ValidationError(_("An organization cannot be moved under itself or one of its own units."))
        _move_under(organization, parent)
    organization.name, organization.kind, organization.sector = latest.name, latest.kind, latest.sector
    organization.is_active = latest.is_active
    return until


def _placements_save(organization: Organization, spans: list[Span]) -> None:
    """Replace the organization's placements by `spans`, leaving the rows that stay as they are."""
    def key(span: Span) -> tuple:
        return (span.valid_from, span.valid_to, *span.state(), span.reason, changed_text(span))

    rows = list(Placement.objects.select_for_update().filter(organization=organization))
    wanted = {key(span): span for span in spans}
    Placement.objects.filter(pk__in=[row.pk for row in rows if key(span_of(row)) not in wanted]).delete()
    kept = {key(span_of(row)) for row in rows}
    Placement.objects.bulk_create([
        Placement(
            organization=organization, changed=changed_text(span),
            **{name: getattr(span, name) for name in ("valid_from", "valid_to", *STATE, "reason")},
        )
        for span_key, span in wanted.items() if span_key not in kept
    ])


def _require_active_on(organization: Organization, day: datetime.date) -> None:
    if not active_on(organization, day):
        raise ValidationError(
            _("%(name)s is not active on %(date)s.") % {"name": organization.name, "date": _date(day)}
        )


@transaction.atomic
def organization_move(
    *,
    organization: Organization,
    new_parent: Organization | None,
    effective_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
) -> Organization:
    """Move an organization and its subtree under a new parent from `effective_on`, until its next
    move by date if one is recorded already (entered in any order, the moves give the same tree).

    Admissions before that date keep counting for the old ancestors; those from it for the new ones.
    """
    _check_effective_on(effective_on)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_active_on(organization, effective_on)
    if new_parent is not None:
        new_parent = Organization.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(organization.path) or organization.pk in lineage_ids_on(new_parent, effective_on):
            raise ValidationError(_("An organization cannot be moved under itself or one of its own units."))
        _require_active_on(new_parent, effective_on)
    validate_placement(organization.kind, new_parent)
    before = set(lineage_ids_on(organization, effective_on) + lineage_ids(organization))
    until = _placements_change(
        organization, effective_on, f"moved, effective {_date(effective_on)}", parent_id=new_parent.pk if new_parent else None
    )["parent_id"]
    after = set(lineage_ids_on(organization, effective_on) + lineage_ids(organization))
    touched = before | after
    snapshots_invalidate(organization_ids=touched)
    # Its old and new parents' units changed from the move until its next one.
    _mark_restructured(touched - {organization.pk}, until or effective_on)
    _save_with_history(organization, acting_user=acting_user, reason=f"moved, effective {_date(effective_on)}")
    admission_credits_rebuild(admissions=_admissions_credited(organization, effective_on, until))
    return organization


def _admissions_credited(organization: Organization, start: datetime.date, end: datetime.date | None):
    """The admissions counting for this organization with a ceremony from `start` to before `end`."""
    credits = AdmissionCredit.objects.filter(organization=organization, admitted_on__gte=start)
    if end is not None:
        credits = credits.filter(admitted_on__lt=end)
    return Admission.objects.filter(pk__in=credits.values("admission_id"))


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
def organization_update(
    *,
    organization: Organization,
    name: str,
    kind: str,
    sector: str,
    effective_on: datetime.date,
    acting_user: AbstractBaseUser | None = None,
) -> Organization:
    """Rename an organization, or change its kind or sector, from `effective_on`: the figures of
    ceremonies before it keep the sector they had."""
    _check_effective_on(effective_on)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    then = placement_on(organization, effective_on)
    if then is None or not then.covers(effective_on):
        raise ValidationError(
            _("%(name)s did not exist yet on %(date)s.") % {"name": organization.name, "date": _date(effective_on)}
        )
    # Compared with the values of that day: re-dating a rename already recorded later is a change too.
    changes = {
        field: value for field, value in (("name", name), ("kind", kind), ("sector", sector))
        if value != getattr(then, field)
    }
    if not changes:
        return organization
    if "kind" in changes:
        _check_kind(organization, kind, effective_on)
    probe = Organization(code=organization.code, name=name, kind=kind, sector=sector)
    probe.full_clean(exclude=["path", "depth", "numchild", "code"])
    until = _placements_change(organization, effective_on, f"changed, effective {_date(effective_on)}", **changes)
    _save_with_history(organization, acting_user=acting_user, reason=f"changed, effective {_date(effective_on)}")
    if "sector" in changes:  # the breakdown by sector takes the cell's on the ceremony day
        admitted = _admissions_credited(organization, effective_on, until["sector"])
        admission_credits_rebuild(admissions=admitted.filter(cell=organization))
    snapshots_invalidate(organization_ids=lineage_ids(organization))
    return organization


def _check_kind(organization: Organization, kind: str, effective_on: datetime.date) -> None:
    """A new kind must fit the parents the organization has from that day and the units under it."""
    spans = [span for span in placements_of([organization.pk])[organization.pk] if not span.valid_to or span.valid_to > effective_on]
    for parent_id in {span.parent_id for span in spans}:
        validate_placement(kind, Organization.objects.get(pk=parent_id) if parent_id else None)
    units = tree_on(effective_on).filter(parent=organization).values("organization_id")
    for unit in Organization.objects.filter(Q(pk__in=units) | Q(pk__in=units_of(organization).values("pk"))):
        if kind not in ALLOWED_PARENT_KINDS[unit.kind]:
            raise ValidationError(
                _("%(child)s (%(child_kind)s) cannot sit under a %(kind)s.")
                % {"child": unit.name, "child_kind": unit.get_kind_display(), "kind": Organization.Kind(kind).label}
            )


@transaction.atomic
def organization_deactivate(
    *, organization: Organization, effective_on: datetime.date, acting_user: AbstractBaseUser | None = None
) -> Organization:
    """Close an organization and everything under it from `effective_on`; its past figures stay, and
    steps dated before that day may still be recorded in it."""
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
    for unit in organization.subtree().filter(is_active=True).order_by("path"):
        unit = Organization.objects.select_for_update().get(pk=unit.pk)
        _placements_change(unit, effective_on, f"deactivated, effective {_date(effective_on)}", is_active=False)
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

    Its units, its candidates in the pipeline and its admissions with a ceremony from that date on move
    to `into`; its earlier admissions stay where they happened, so no count changes for a past period
    and nothing is counted twice. An admission whose ceremony is not recorded yet stays with `source`
    until it is: held after the merge, it moves to `into` then (`candidates.services`).
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
    if not (source.is_active and active_on(source, effective_on) and active_on(into, effective_on)):
        raise ValidationError(_("Both organizations must be active to be merged."))

    for child in Organization.objects.filter(pk__in=tree_on(effective_on).filter(parent=source).values("organization_id")):
        organization_move(organization=child, new_parent=into, effective_on=effective_on, acting_user=acting_user)
    source.refresh_from_db()

    for candidate in Candidate.objects.filter(home_cell=source, stage__in=PIPELINE_STAGES):
        candidate.home_cell = into
        candidate._history_user = acting_user
        candidate._change_reason = f"cell merged into {into.code}"
        candidate.save(update_fields=["home_cell", "updated_at"])
    later = Admission.objects.filter(admitted_on__gte=effective_on, cell=source)
    moved_ids = list(later.values_list("pk", flat=True))
    for admission in Admission.objects.filter(pk__in=moved_ids):
        admission.cell = into
        admission._history_user = acting_user
        admission._change_reason = f"cell merged into {into.code}"
        admission.save(update_fields=["cell"])
    admission_credits_rebuild(admissions=Admission.objects.filter(pk__in=moved_ids))

    touched = set(lineage_ids(source) + lineage_ids(into) + lineage_ids_on(source, effective_on))
    touched |= set(lineage_ids_on(into, effective_on))
    snapshots_invalidate(organization_ids=touched)
    _mark_restructured(touched, effective_on)
    _placements_change(source, effective_on, f"merged into {into.code}, effective {_date(effective_on)}", is_active=False)
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
        parent=Organization.objects.get_parent(source), effective_on=effective_on, acting_user=acting_user,
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


@transaction.atomic
def term_update(
    *, term: Term, start_date: datetime.date, end_date: datetime.date, acting_user: AbstractBaseUser | None = None
) -> Term:
    """Change a term's dates. Its figures were counted on the old ones: they are dropped, and pages
    count them again on the new dates when next shown (so are those of any term it touched)."""
    term = Term.objects.select_for_update().get(pk=term.pk)
    old_key = term.key
    term.start_date, term.end_date = start_date, end_date
    term.full_clean()
    term.save()
    period_figures_discard(period_keys={old_key, term.key})
    return term
