"""Benchmark of the progress engine on PostgreSQL, all three measured in one run on the same data:

(a) the project's full recompute of every snapshot for one year (tracker.progress + snapshots_write),
(b) a naive reference: loop over organizations, count admissions and read the target with the ORM one by one,
(c) one hand-written SQL aggregation of the admissions over the tree (the practical floor).

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/progress.py --provinces 1 [--scale 1]
It migrates the database and generates the synthetic country if it is not there yet.
"""
import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.base")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from candidates.models import Admission  # noqa: E402
from cells.models import Organization, Target  # noqa: E402
from tracker import progress  # noqa: E402
from tracker.periods import year_period  # noqa: E402
from tracker.services import snapshots_write  # noqa: E402

FLOOR_SQL = """
SELECT substr(cell.path, 1, 4 * level) AS path, count(*)
FROM candidates_admission a
JOIN cells_organization cell ON cell.id = a.cell_id
CROSS JOIN LATERAL generate_series(1, cell.depth) AS level
WHERE a.admitted_on BETWEEN %s AND %s
GROUP BY 1
"""


def timed(label, function):
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    print(f"{label:<58} {elapsed:8.2f} s")
    return elapsed, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-naive", action="store_true", help="(b) takes minutes at full size")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    if not Organization.objects.filter(code="syn-vn").exists():
        timed(f"generate_synthetic --provinces {args.provinces} --scale {args.scale}", lambda: call_command(
            "generate_synthetic", provinces=args.provinces, seed=args.seed, scale=args.scale, verbosity=0))
    today = timezone.localdate()
    period = year_period(today.year - 1)
    root = Organization.objects.get(code="syn-vn")
    organizations = list(root.subtree())
    admissions = Admission.objects.filter(cell__path__startswith=root.path, admitted_on__year=period.year).count()
    print(f"{len(organizations)} organizations, {admissions} admissions in {period.key}, {connection.vendor}")

    def full_recompute():
        return snapshots_write(period_key=period.key, figures_by_org=progress.compute_figures(organizations, period, today))

    def naive():
        result = {}
        for org in organizations:
            admitted = Admission.objects.filter(
                cell__path__startswith=org.path, admitted_on__gte=period.start, admitted_on__lte=period.end
            ).count()
            target = Target.objects.filter(organization=org, year=period.year).values_list("count", flat=True).first()
            result[org.pk] = (admitted, target)
        return result

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [period.start, period.end])
            return dict(cursor.fetchall())

    a, figures = timed("(a) project full recompute, one year, all snapshots", full_recompute)
    c, counts = timed("(c) one SQL aggregation over the tree (floor)", floor)
    by_path = {org.path: org.pk for org in organizations}
    assert all(counts.get(org.path, 0) == next(r for r in figures if r.organization_id == org.pk).data["admitted"]
               for org in organizations[:200]), "the floor and the engine disagree"
    print(f"a/c = {a / c:.2f}")
    if not args.skip_naive:
        b, _ = timed("(b) naive ORM loop, one organization at a time", naive)
        print(f"a/b = {a / b:.4f}  (the project is {b / a:.0f}× faster than the naive loop)")

    cell = Organization.objects.filter(path__startswith=root.path, kind=Organization.Kind.CELL).first()
    lineage = progress.organizations_with_ancestors([cell.pk])
    started = time.perf_counter()
    for _ in range(5):
        snapshots_write(period_key=period.key, figures_by_org=progress.compute_figures(lineage, period, today))
    print(f"{'incremental recompute of one cell and its ancestors':<58} {(time.perf_counter() - started) / 5 * 1000:8.1f} ms")
    del by_path


if __name__ == "__main__":
    main()
