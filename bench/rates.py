"""Benchmark of learning the conversion rates (tracker.progress.conversion_rates) on a country's history.

The synthetic country has admissions but no dated steps. This gives every admitted person the seven
steps before the ceremony and every person in the pipeline the steps up to where they stand, some
months apart (about 8 million rows at full size, once), then times the rates of one year: the nightly
check learns them for each period again, and a page does for a period nobody has checked yet.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/rates.py
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from candidates.models import PIPELINE_STAGES, Admission, StageEvent  # noqa: E402
from tracker.periods import year_period  # noqa: E402
from tracker.progress import conversion_rates  # noqa: E402

# Days before the ceremony each step usually happens.
DAYS_BEFORE_CEREMONY = [420, 330, 200, 150, 90, 60, 30]

FILL_SQL = """
INSERT INTO candidates_stageevent (candidate_id, stage, occurred_on, document_number, note, approval_reference, recorded_at)
SELECT a.candidate_id, step.stage, a.admitted_on - (step.days * (0.6 + 0.8 * random()))::int, '', '', '', now()
FROM candidates_admission a
CROSS JOIN unnest(%s::text[], %s::int[]) AS step(stage, days)
UNION ALL
SELECT c.id, step.stage, %s::date - (step.days * (0.6 + 0.8 * random()))::int, '', '', '', now()
FROM candidates_candidate c
JOIN unnest(%s::text[], %s::int[]) WITH ORDINALITY AS reached(stage, place) ON reached.stage = c.stage
CROSS JOIN unnest(%s::text[], %s::int[]) WITH ORDINALITY AS step(stage, days, place)
WHERE step.place <= reached.place
ON CONFLICT (candidate_id, stage) DO NOTHING
"""


def main():
    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://…")
    stages = [str(stage) for stage in PIPELINE_STAGES]
    if StageEvent.objects.count() < Admission.objects.count():
        places = list(range(1, len(stages) + 1))
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FILL_SQL, [stages, DAYS_BEFORE_CEREMONY, timezone.localdate(), stages, places,
                                      stages, DAYS_BEFORE_CEREMONY])
            print(f"stage history: {cursor.rowcount} steps written in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE candidates_stageevent")
    period = year_period(timezone.localdate().year - 1)
    print(f"{StageEvent.objects.count()} steps recorded; rates for {period.key} learnt from the three years before")
    times = []
    for _ in range(5):
        started = time.perf_counter()
        rates = conversion_rates(period)
        times.append(time.perf_counter() - started)
    print(f"conversion_rates, median of 5: {statistics.median(times):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
    for stage in stages:
        print(f"    {stage:<22} admitted later {rates.share.get(stage, 0):6.1%}  after {rates.days.get(stage, 0):6.1f} days")


if __name__ == "__main__":
    main()
