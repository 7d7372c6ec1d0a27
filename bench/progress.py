"""Benchmark of the progress engine on PostgreSQL, all measured in one run on the same data:

(a) the project's full recompute of every snapshot for last year (tracker.services.period_check, the
    nightly job): cold, when no snapshot of the year exists and every row is written, then as it runs
    every night, when it counts everything again but rewrites only the rows whose figures changed
    (an ended year learns no conversion rates; the running year's check, which does, is timed after it);
    the pipeline, the same for every period, is counted once a night before the periods
    (tracker.services.pipeline_check) and timed on its own, cold and nightly,
(b) a naive reference: loop over organizations, count admissions and read the target with the ORM one by one,
(c) one hand-written SQL aggregation of the admissions over the tree (the practical floor),
(c′) every figure a snapshot holds, counted by the engine's own SELECT with nothing written or compared
    (what the figures cost beyond the bare count of (c); a/c′ is what storing them adds),
(the nightly check and the floors are each run --repeat times, and their medians make the ratios)
then the incremental recompute of one cell and its ancestors (what the job does after a change), and the dashboard and API of the
country, a province and a cell served from snapshots (median server time and query count).

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/progress.py --provinces 1
It migrates the database, collects the static files and generates the synthetic country if it is not there yet. At full size the
naive loop would take hours (each organization scans the admissions under it), so with --naive-sample N
it is timed on N organizations of each depth and extrapolated to every organization of that depth.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.base")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from candidates.models import Admission, AdmissionCredit, Candidate  # noqa: E402
from cells.models import Organization, OrganizationRole, Target  # noqa: E402
from cells.selectors import lineage_ids  # noqa: E402
from tracker.models import PipelineSnapshot, ProgressSnapshot  # noqa: E402
from tracker.periods import year_period  # noqa: E402
from tracker.progress import conversion_rates, figures_select, pipeline_select  # noqa: E402
from tracker.services import (  # noqa: E402
    period_check, pipeline_check, pipeline_recompute, pipeline_refresh, recompute_settings, snapshots_recompute,
    snapshots_refresh,
)

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
    print(f"{label:<62} {elapsed:9.3f} s", flush=True)
    return elapsed, result


def a_day_of_admissions(period, count=800):
    """A day's changes as they come: `count` people admitted (about a day's worth nationally), each
    credited to a cell and its ancestors. Copies of people admitted in the period, written in bulk as
    the generator writes: what is timed is the nightly check, not the data entry.

    (Until session 13 a day was 4,000 targets changed at random: as many rows to rewrite, but no
    target changes that often, and each change left a page of targets to be read from the table.)
    """
    admissions = list(
        Admission.objects.filter(admitted_on__gte=period.start, admitted_on__lte=period.end)
        .select_related("candidate").order_by("?")[:count]
    )
    credits = {}
    for credit in AdmissionCredit.objects.filter(admission__in=admissions):
        credits.setdefault(credit.admission_id, []).append(credit)
    people = [admission.candidate for admission in admissions]
    for person in people:
        person.pk, person.national_id = None, None
    Candidate.objects.bulk_create(people)
    copied = []
    for admission, person in zip(admissions, people):
        copied.append(credits[admission.pk])
        admission.pk, admission.candidate = None, person
    Admission.objects.bulk_create(admissions)
    for admission, its_credits in zip(admissions, copied):
        for credit in its_credits:
            credit.pk, credit.admission_id = None, admission.pk
    AdmissionCredit.objects.bulk_create([credit for its_credits in copied for credit in its_credits])


def naive_count(org, period):
    admitted = Admission.objects.filter(
        cell__path__startswith=org.path, admitted_on__gte=period.start, admitted_on__lte=period.end
    ).count()
    target = Target.objects.filter(organization=org, year=period.year).values_list("count", flat=True).first()
    return admitted, target


def naive(organizations, period, sample):
    """The naive loop's time over every organization, measured or extrapolated per depth."""
    if not sample:
        started = time.perf_counter()
        for org in organizations:
            naive_count(org, period)
        return time.perf_counter() - started, "measured on every organization"
    rng = random.Random(1)
    by_depth = {}
    for org in organizations:
        by_depth.setdefault(org.depth, []).append(org)
    total = 0.0
    for depth, orgs in sorted(by_depth.items()):
        chosen = rng.sample(orgs, min(sample, len(orgs)))
        started = time.perf_counter()
        for org in chosen:
            naive_count(org, period)
        per_org = (time.perf_counter() - started) / len(chosen)
        total += per_org * len(orgs)
        print(f"    depth {depth}: {len(orgs):>7} organizations × {per_org * 1000:8.2f} ms", flush=True)
    return total, f"extrapolated from {sample} organizations per depth"


def serve_times(client, url, runs):
    client.get(url)  # warm: the first visit may compute missing unit snapshots
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries), len(response.content)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--naive-sample", type=int, default=0, help="time (b) on N organizations per depth")
    parser.add_argument("--runs", type=int, default=20, help="requests per page for the median")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the nightly check and of the floor, for their medians")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages are served as in production
    if not Organization.objects.filter(code="syn-vn").exists():
        timed(f"generate_synthetic --provinces {args.provinces} --scale {args.scale}", lambda: call_command(
            "generate_synthetic", provinces=args.provinces, seed=args.seed, scale=args.scale, verbosity=0))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    today = timezone.localdate()
    period = year_period(today.year - 1)
    root = Organization.objects.get(code="syn-vn")
    organizations = list(root.subtree().only("pk", "path", "depth"))
    admissions = Admission.objects.filter(cell__path__startswith=root.path, admitted_on__year=period.year).count()
    print(f"{len(organizations)} organizations, {admissions} admissions in {period.key}, {connection.vendor}")

    ProgressSnapshot.objects.filter(period_key=period.key).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tracker_progresssnapshot")
    cold, written = timed("(a) cold: full recompute, every snapshot written", lambda: period_check(period=period))
    assert written == len(organizations)
    # The nightly check varies by a fifth from one run to the next on this machine: its median is (a).
    nightly = []
    for run in range(1, args.repeat + 1):
        a_day_of_admissions(period)
        elapsed, changed = timed(f"(a) nightly {run}: full recompute, changed rows written", lambda: period_check(period=period))
        nightly.append(elapsed)
    a = statistics.median(nightly)
    print(f"    median {a:.3f} s; {changed} snapshots had changed; an ended year learns no conversion rates")
    PipelineSnapshot.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tracker_pipelinesnapshot")
    timed("the pipeline, once for every period: cold, every row written", pipeline_check)
    pipelines = []
    for run in range(1, args.repeat + 1):
        # A day's steps: some 800 people move on, which touches about 4,000 rows with their ancestors.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE candidates_candidate SET stage = CASE WHEN stage = 'sourced' THEN 'trained' ELSE 'sourced' END"
                " WHERE id IN (SELECT id FROM candidates_candidate WHERE stage IN ('sourced', 'trained')"
                " ORDER BY random() LIMIT 800)")
        elapsed, changed = timed(f"the pipeline, nightly {run}: changed rows written", pipeline_check)
        pipelines.append(elapsed)
    pipeline = statistics.median(pipelines)
    print(f"    median {pipeline:.3f} s; {changed} pipelines had changed")
    running = year_period(today.year)
    period_check(period=running)  # its first check writes every row
    timed(f"    the same for the running year {running.key}, which learns its rates", lambda: period_check(period=running))
    timed("    of which learning the conversion rates (see bench/rates.py)", lambda: conversion_rates(running))
    floors = [timed(f"(c) {run}: one SQL aggregation over the tree (floor)", lambda: _floor(period)) for run in range(1, args.repeat + 1)]
    c, counts = statistics.median(elapsed for elapsed, _counts in floors), floors[0][1]
    print(f"    median {c:.3f} s")
    stored = dict(ProgressSnapshot.objects.filter(period_key=period.key).values_list("organization__path", "admitted"))
    assert all(counts.get(org.path, 0) == stored[org.path] for org in organizations), "the floor and the engine disagree"
    print(f"a/c = {a / c:.2f} nightly, {cold / c:.2f} cold   (every snapshot agrees with the floor)")
    print(f"(a + the pipeline)/c = {(a + pipeline) / c:.2f} nightly: a night with one period")
    # PostgreSQL compiles a statement this large (JIT) before running it: most of the floor's time.
    bare, _counts = timed("(c) the same, JIT compilation off", lambda: _floor(period, jit=False))
    print(f"a/c = {a / bare:.2f} nightly against the floor without JIT")
    same = [timed(f"(c′) {run}: every figure of a snapshot, the SELECT alone", lambda: _same_figures(period))
            for run in range(1, args.repeat + 1)]
    c_same = statistics.median(elapsed for elapsed, _none in same)
    print(f"    median {c_same:.3f} s: the figures cost {c_same / c:.1f}× the bare count of (c)")
    print(f"a/c′ = {a / c_same:.2f} nightly, {cold / c_same:.2f} cold  (what comparing and writing the rows add)")
    timed("(c′) the pipeline's figures, the SELECT alone", lambda: _explain(*pipeline_select()))
    b, how = naive(organizations, period, args.naive_sample)
    print(f"{'(b) naive ORM loop, one organization at a time':<62} {b:9.3f} s  ({how})")
    print(f"a/b = {a / b:.4f} nightly, {cold / b:.4f} cold  (the project is {b / a:.0f}× and {b / cold:.0f}× faster than the naive loop)")

    cells = Organization.objects.filter(path__startswith=root.path, kind=Organization.Kind.CELL)
    cell = cells.annotate(n=Count("admissions")).order_by("-n").first()
    lineage = lineage_ids(cell)
    for label, recompute in (
        ("incremental: the cell counted, %d ancestors added up", lambda ids: snapshots_refresh(period=period, organization_ids=ids)),
        ("the same lineage, every one counted from admissions", lambda ids: snapshots_recompute(period=period, organization_ids=ids)),
        ("its pipelines: the cell counted, %d ancestors added up", lambda ids: pipeline_refresh(organization_ids=ids)),
        ("the same pipelines, every one counted from candidates", lambda ids: pipeline_recompute(organization_ids=ids)),
    ):
        times = []
        for _ in range(10):
            started = time.perf_counter()
            recompute(lineage)
            times.append(time.perf_counter() - started)
        print(f"{label.replace('%d', str(len(lineage) - 1)) + ' (median)':<62} {statistics.median(times) * 1000:9.1f} ms")

    user, _created = User.objects.get_or_create(username="bench-secretary")
    OrganizationRole.objects.get_or_create(user=user, organization=root, role=OrganizationRole.Role.SECRETARY)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    province = Organization.objects.get(code="syn-p1")
    print(f"\nserved from snapshots, median of {args.runs} requests (in-process, no network):")
    for org in (root, province, cell):
        units = Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).count()
        for kind, url in (("dashboard", f"/org/{org.code}/?period={period.key}"),
                          ("API", f"/api/v1/progress/?org={org.code}&period={period.key}")):
            median, queries, _size = serve_times(client, url, args.runs)
            print(f"    {kind:<9} {org.get_kind_display():<28} {units:>4} units {median * 1000:8.1f} ms  {queries:>2} queries")


def _floor(period, jit=True):
    with transaction.atomic(), connection.cursor() as cursor:
        if not jit:
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(FLOOR_SQL, [period.start, period.end])
        return dict(cursor.fetchall())


def _same_figures(period):
    # EXPLAIN ANALYZE computes every row and sends none: the client's reading of 310,000 rows is not timed.
    _explain(*figures_select(period))


def _explain(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        recompute_settings(cursor)  # as the recompute has
        cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}", params)


if __name__ == "__main__":
    main()
