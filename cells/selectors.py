"""Reads of the organization tree, and what a user may see of it."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.http import Http404

from .models import Organization, OrganizationRole


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
