"""What the month's reports cost at country scale: per report, per workbook sheet, and the scope of a
workbook (tracker.reports.report_scope) for the country, a province and a commune.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/reports.py [--sample 300]
The database must hold the synthetic country (bench/progress.py or generate_synthetic).
"""
import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.base")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from cells.models import Organization  # noqa: E402
from tracker.periods import add_months  # noqa: E402
from tracker.reports import month_report, report_scope, reports_workbook  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=300, help="organizations of the first province to report on")
    args = parser.parse_args()
    today = timezone.localdate()
    month = add_months(today.replace(day=1), -1)
    province = Organization.objects.get(code="syn-p1")
    organizations = list(province.subtree().filter(is_active=True).order_by("path")[: args.sample])
    tracemalloc.start()
    started = time.perf_counter()
    reports = [month_report(org, month, today) for org in organizations]
    reported = time.perf_counter()
    content = reports_workbook(reports)
    written = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    n = len(organizations)
    print(f"{n} reports of {month:%m/%Y}: {reported - started:.2f} s ({(reported - started) / n * 1000:.0f} ms each); "
          f"workbook {written - reported:.2f} s ({(written - reported) / n * 1000:.0f} ms a sheet), "
          f"{len(content) / 1e6:.1f} MB; Python memory at most {peak / 1e6:.0f} MB")
    for code in ("syn-vn", "syn-p1", "syn-p1-u5"):
        org = Organization.objects.get(code=code)
        started = time.perf_counter()
        scope = report_scope(org)
        elapsed = time.perf_counter() - started
        whole = org.subtree().filter(is_active=True).count()
        levels = "every level" if scope.levels is None else f"{scope.levels} level(s) below"
        print(f"{org.get_kind_display():<32} {whole:>7} active in its subtree → {len(scope.organizations):>5} sheets, "
              f"{levels} ({elapsed * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
