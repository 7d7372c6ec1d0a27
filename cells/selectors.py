"""Reads of the organization tree, and what a user may see of it."""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Left, Length
from django.http import Http404

from .models import CELL_KINDS, Organization, OrganizationRole, Placement
from .placements import Span, in_order, span_of, span_on


def role_roots(user, roles: set[str] | None = None) -> list[Organization]:
    """The organizations a user holds a role on (the tops of the subtrees they may see)."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Organization.objects.get_root_nodes())
    assignments = _role_assignments(user)
    if roles:
        assignments = [a for a in assignments if a.role in roles]
    # A role on a district already covers its communes.
    return topmost({a.organization for a in assignments})


def _role_assignments(user) -> list[OrganizationRole]:
    # Read once per request: a page asks several times what the user may see and do.
    if not hasattr(user, "_role_assignments"):
        user._role_assignments = list(OrganizationRole.objects.filter(user=user).select_related("organization"))
    return user._role_assignments


def topmost(organizations) -> list[Organization]:
    """The organizations that are not under another one of the set, in tree order."""
    ordered = sorted(organizations, key=lambda org: org.path)
    return [org for org in ordered if not any(org.path != other.path and org.path.startswith(other.path) for other in ordered)]


def subtrees_q(roots, field: str = "path") -> Q:
    """A filter for everything under any of `roots` (themselves included); `field` is the path to match."""
    scope = Q(pk__in=[])
    for root in roots:
        scope |= Q(**{f"{field}__startswith": root.path})
    return scope


def within(organization: Organization, roots) -> bool:
    return any(organization.path.startswith(root.path) for root in roots)


def organization_for_user(user, code: str, roles: set[str] | None = None) -> Organization:
    """The organization with this code if the user may see it (with one of `roles`, when given);
    404 otherwise (never 'exists but forbidden')."""
    organization = Organization.objects.filter(code=code).first()
    if organization is None or not within(organization, role_roots(user, roles)):
        raise Http404
    return organization


def ancestors(organization: Organization) -> list[Organization]:
    """Root first, without the organization itself."""
    return list(Organization.objects.filter(path__in=organization.lineage_paths()[:-1]).order_by("depth"))


def units_of(organization: Organization) -> models.QuerySet[Organization]:
    """The organizations directly under this one, in tree order.

    Unlike treebeard's get_children it reads the tree, not the object's `numchild`, which is stale
    on an instance loaded before units were added.
    """
    return Organization.objects.filter(path__startswith=organization.path, depth=organization.depth + 1).order_by("path")


def unit_ids_of(organizations) -> dict[int, list[int]]:
    """For each organization, the ids of the organizations directly under it, read in one query."""
    by_path = {org.path: org.pk for org in organizations}
    scope = Q(pk__in=[])
    for org in organizations:
        scope |= Q(path__startswith=org.path, depth=org.depth + 1)
    units = {org.pk: [] for org in organizations}
    for pk, path in Organization.objects.filter(scope).values_list("pk", "path"):
        units[by_path[path[: -Organization.steplen]]].append(pk)
    return units


def lineage_ids(organization: Organization) -> list[int]:
    """Ids of the organization and all its ancestors."""
    return list(Organization.objects.filter(path__in=organization.lineage_paths()).values_list("pk", flat=True))


def staff_roots(user) -> list[Organization]:
    """Where the user may enter and change candidates, classes and admissions."""
    return role_roots(user, roles={OrganizationRole.Role.STAFF})


RECORD_ROLES = {OrganizationRole.Role.STAFF, OrganizationRole.Role.SECRETARY}


def record_roots(user) -> list[Organization]:
    """Where the user may read people's records (viewers see dashboards only)."""
    return role_roots(user, roles=RECORD_ROLES)


def holds_role(user, organization: Organization, roles: set[str]) -> bool:
    """Whether the user holds one of `roles` on this very organization (not on one above it)."""
    if not user.is_authenticated:
        return False
    return any(a.organization_id == organization.pk and a.role in roles for a in _role_assignments(user))


def organization_matches(query: str) -> Q:
    """A search of organizations: a name by any part (a trigram index on PostgreSQL), or a code whole,
    as codes are written in lower case."""
    return Q(name__icontains=query) | Q(code=query.lower())


# A search's organizations by level, then by name: a committee before the cells under it that share its name.
ORGANIZATION_SEARCH_ORDER = ("depth", "name", "code")


def organization_label(organization: Organization) -> str:
    return f"{organization.name} ({organization.code})"  # names repeat across a province; codes do not


# Between a committee and a cell under it in a cell's label: "Đảng bộ xã Tân Đông › Chi bộ ấp 1".
UNDER = " › "


def committee_name(path_field: str = "path") -> Subquery:
    """The name of the organization directly above the one whose path is `path_field` ("home_cell__path" for a
    person's cell), as an annotation: one index lookup per row read, not per organization in the scope."""
    parent_path = Left(OuterRef(path_field), Length(OuterRef(path_field)) - Organization.steplen)
    return Subquery(Organization.objects.filter(path=parent_path).order_by().values("name")[:1])


def with_committee_names(organizations: models.QuerySet[Organization]) -> models.QuerySet[Organization]:
    """The organizations, each with the name of the organization directly above it (`committee_name`)."""
    return organizations.annotate(committee_name=committee_name())


def cell_label(organization: Organization) -> str:
    """A cell as the forms show it, under its committee ("Đảng bộ xã Tân Đông › Chi bộ ấp 1"): many cells share a
    name ("Chi bộ ấp 1" in every commune). The committee is read if the queryset did not bring it
    (with_committee_names)."""
    if not hasattr(organization, "committee_name"):
        parent_path = organization.path[: -Organization.steplen]
        organization.committee_name = (
            Organization.objects.filter(path=parent_path).values_list("name", flat=True).first() if parent_path else None
        )
    if organization.committee_name:
        return f"{organization.committee_name}{UNDER}{organization.name}"
    return organization.name


def choice_label(organization: Organization) -> str:
    """An organization in a list of committees and cells: a cell under its committee, a committee with its code."""
    return cell_label(organization) if organization.kind in CELL_KINDS else organization_label(organization)


# The tree on any day, from the placements (cells.models.Placement).

def placements_of(organization_ids: Iterable[int]) -> dict[int, list[Span]]:
    """Each organization's placements, in date order, read in one query. An organization created
    without one (bulk-generated data) has one from the tree as it stands."""
    ids = set(organization_ids)
    spans: dict[int, list[Span]] = {}
    for row in Placement.objects.filter(organization_id__in=ids):
        spans.setdefault(row.organization_id, []).append(span_of(row))
    if missing := ids - spans.keys():
        rows = list(Organization.objects.filter(pk__in=missing))
        parents = dict(
            Organization.objects.filter(path__in={org.path[: -Organization.steplen] for org in rows}).values_list("path", "pk")
        )
        for org in rows:
            spans[org.pk] = [Span(
                valid_from=None, valid_to=None, parent_id=parents.get(org.path[: -Organization.steplen]),
                name=org.name, kind=org.kind, sector=org.sector, is_active=org.is_active,
            )]
    return {org_id: in_order(org_spans) for org_id, org_spans in spans.items()}


def lineages_on(wanted: Iterable[tuple[int, datetime.date]]) -> dict[tuple[int, datetime.date], list[tuple[int, Span]]]:
    """For each (organization id, day): the organization and its ancestors as they stood that day, root
    first, each with its placement then. One query a level, however many pairs."""
    chains = {pair: [pair[0]] for pair in set(wanted)}
    states: dict[tuple[int, datetime.date], list[Span]] = {pair: [] for pair in chains}
    spans: dict[int, list[Span]] = {}
    climbing = dict.fromkeys(chains)
    while climbing:
        spans.update(placements_of({chains[pair][-1] for pair in climbing} - spans.keys()))
        still = {}
        for pair in climbing:
            span = span_on(spans.get(chains[pair][-1], []), pair[1])
            states[pair].append(span)
            parent = span.parent_id if span else None
            if parent is not None and parent not in chains[pair]:  # a cycle would be a bug; never loop on it
                chains[pair].append(parent)
                still[pair] = None
        climbing = still
    return {pair: list(zip(chain, states[pair]))[::-1] for pair, chain in chains.items()}


def lineage_ids_on(organization: Organization, day: datetime.date) -> list[int]:
    """Ids of the organization and its ancestors as they stood on `day`, root first."""
    return [org_id for org_id, _span in lineages_on([(organization.pk, day)])[(organization.pk, day)]]


def lineage_on(organization: Organization, day: datetime.date) -> list[Organization]:
    """The organization and its ancestors as they stood on `day`, root first."""
    ids = lineage_ids_on(organization, day)
    by_id = Organization.objects.in_bulk(ids)
    return [by_id[org_id] for org_id in ids]


def placement_on(organization: Organization, day: datetime.date) -> Span | None:
    """The organization's placement on `day`."""
    return span_on(placements_of([organization.pk]).get(organization.pk, []), day)


def parent_on(organization: Organization, day: datetime.date) -> Organization | None:
    span = placement_on(organization, day)
    return Organization.objects.get(pk=span.parent_id) if span and span.parent_id else None


def active_on(organization: Organization, day: datetime.date) -> bool:
    span = placement_on(organization, day)
    return bool(span and span.is_active and span.covers(day))


def tree_on(day: datetime.date) -> models.QuerySet[Placement]:
    """Every organization's placement on `day`: the tree as it stood (or will stand) then."""
    return Placement.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
