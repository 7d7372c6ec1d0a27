"""The data-entry forms at country scale: the pages that let staff choose a cell, a committee or a
parent organization, and the searches behind them (tracker.widgets.SearchSelect), for the national and
a provincial board's staff and an administrator. Median server time, page size and query count.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/forms.py [--runs 5]
The database must hold the synthetic country (bench/progress.py or generate_synthetic), and the static
files must be collected (python manage.py collectstatic), as the production settings serve them.
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.base")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402

from cells.models import Organization, OrganizationRole  # noqa: E402
from progress import serve_times  # noqa: E402  (bench/progress.py: median time, queries, size)

STAFF_PAGES = [
    "/candidates/new/",
    "/candidates/classes/new/",
    "/candidates/search/cells/?q=syn-p3-u9",  # a part of many names
    "/candidates/search/cells/?q=không có",  # matches nothing: the whole index is asked
    "/candidates/search/committees/?q=xã",  # 3,300 communes match, the first 20 answered
]
ADMIN_PAGES = [
    "/admin/cells/organization/",
    "/admin/cells/organization/{province}/change/",
    "/admin/cells/organization/add/",
    "/admin/cells/organization/search/?q=xã 1.1",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="requests per page for the median")
    args = parser.parse_args()
    province = Organization.objects.get(code="syn-p1")
    accounts = []
    for code in ("syn-vn", "syn-p1"):
        user, _created = User.objects.get_or_create(username=f"bench-staff-{code}")
        OrganizationRole.objects.get_or_create(user=user, organization=Organization.objects.get(code=code), role="staff")
        accounts.append((f"staff of {code}", user, STAFF_PAGES))
    admin, _created = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    accounts.append(("administrator", admin, ADMIN_PAGES))
    for who, user, pages in accounts:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for page in pages:
            url = page.format(province=province.pk)
            median, queries, size = serve_times(client, url, args.runs)
            print(f"{who:<16} {url:<48} {median * 1000:9.1f} ms {size / 1024:9.1f} KiB {queries:3} queries", flush=True)


if __name__ == "__main__":
    main()
