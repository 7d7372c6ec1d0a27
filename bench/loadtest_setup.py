"""Prepare the synthetic country for the load test: users with known passwords and roles, and people
waiting for their admission decision whom the staff users will admit during the test.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/loadtest_setup.py
Writes bench/.loadtest.json (who logs in, which organizations they watch, whom staff may admit).
"""
import datetime
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.base")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from candidates.models import Candidate, EducationLevel, Gender, OccupationCategory, Stage  # noqa: E402
from candidates.text import sort_key  # noqa: E402
from cells.models import Organization, OrganizationRole  # noqa: E402

PASSWORD = "Bench@2026"
STAFF = 5          # one per province, each admits people of its province
READY_PER_STAFF = 400
OUT = Path(__file__).resolve().parent / ".loadtest.json"


def user_with_role(username, organization, role):
    user, _created = User.objects.get_or_create(username=username)
    user.set_password(PASSWORD)
    user.save()
    OrganizationRole.objects.get_or_create(user=user, organization=organization, role=role)
    return {"username": username, "org": organization.code, "session": _session(user)}


def _session(user):
    """A logged-in session, so that the test measures the pages and not fifty password hashes at once."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@transaction.atomic
def main():
    rng = random.Random(3)
    today = timezone.localdate()
    root = Organization.objects.get(code="syn-vn")
    provinces = list(Organization.objects.get_children(root).order_by("path"))[:STAFF]
    secretaries = [user_with_role("bench-sec-vn", root, OrganizationRole.Role.SECRETARY)]
    secretaries += [user_with_role(f"bench-sec-{p.code}", p, OrganizationRole.Role.SECRETARY) for p in provinces]
    communes = [rng.choice(list(Organization.objects.get_children(p))) for p in provinces]
    secretaries += [user_with_role(f"bench-sec-{c.code}", c, OrganizationRole.Role.SECRETARY) for c in communes]
    cells = [
        rng.choice(list(Organization.objects.filter(path__startswith=p.path, kind=Organization.Kind.CELL)))
        for p in provinces
    ]
    secretaries += [user_with_role(f"bench-sec-{c.code}", c, OrganizationRole.Role.SECRETARY) for c in cells]
    staff = []
    for province in provinces:
        entry = user_with_role(f"bench-staff-{province.code}", province, OrganizationRole.Role.STAFF)
        province_cells = list(Organization.objects.filter(path__startswith=province.path, kind=Organization.Kind.CELL))
        ready = Candidate.objects.bulk_create(
            Candidate(
                full_name=f"Sẵn sàng {province.code}-{n}", sort_name=sort_key(f"Sẵn sàng {province.code}-{n}"),
                date_of_birth=datetime.date(1995, 1, 1) + datetime.timedelta(days=n),
                gender=rng.choice(Gender.values), education_level=EducationLevel.UPPER_SECONDARY,
                occupation_category=rng.choice(OccupationCategory.values), home_cell=rng.choice(province_cells),
                stage=Stage.COMMITTEE_RESOLUTION, stage_date=today - datetime.timedelta(days=20),
            )
            for n in range(READY_PER_STAFF)
        )
        entry["ready"] = [candidate.pk for candidate in ready]
        staff.append(entry)
    OUT.write_text(json.dumps({"password": PASSWORD, "secretaries": secretaries, "staff": staff}, indent=1))
    print(f"{len(secretaries)} secretaries, {len(staff)} staff, {STAFF * READY_PER_STAFF} people ready → {OUT}")


if __name__ == "__main__":
    main()
