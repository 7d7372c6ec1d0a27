"""Pages of the country, a province and a cell read snapshots: the same queries whatever the size."""
import datetime

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cells.models import Organization

from .factories import UserFactory, role

YEAR = str(datetime.date.today().year - 1)


def query_counts(client, user, prefix, scale):
    call_command("generate_synthetic", provinces=2, seed=3, scale=scale, prefix=prefix)
    root = Organization.objects.get(code=f"{prefix}vn")
    role(user, root)
    client.force_login(user)
    pages = {
        "country": root,
        "province": Organization.objects.get(code=f"{prefix}p1"),
        "cell": Organization.objects.filter(code__startswith=prefix, kind=Organization.Kind.CELL).order_by("path").first(),
    }
    counts = {}
    for level, org in pages.items():
        for kind, url in (("dashboard", f"/org/{org.code}/?period={YEAR}"), ("API", f"/api/v1/progress/?org={org.code}&period={YEAR}")):
            assert client.get(url).status_code == 200  # the first visit may compute missing snapshots
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[level, kind] = len(queries)
    return counts, Organization.objects.filter(code__startswith=prefix).count()


def test_country_province_and_cell_pages_cost_the_same_queries_at_three_times_the_size(client, db):
    user = UserFactory()
    small, small_size = query_counts(client, user, "s-", 0.01)
    large, large_size = query_counts(client, user, "l-", 0.03)
    assert large_size > 2.5 * small_size
    assert large == small
    # One reads the period's conversion rates for the forecast, two the pipelines and when they were checked.
    assert max(small.values()) <= 15
