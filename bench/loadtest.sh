#!/usr/bin/env bash
# Load test on this machine, loopback only: gunicorn + PostgreSQL + Redis + a Celery worker, and locust
# with 50 users (secretaries and staff) for a bounded time. The figures are of the steady state: the
# statistics restart once every user has logged in (a login is a deliberately slow password hash);
# FROM_START=1 keeps the first seconds in them too.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bash bench/loadtest.sh
# The database must hold the synthetic country (bench/progress.py or generate_synthetic).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the benchmark database}"
export DATABASE_URL DEBUG=False
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/7}"
RESET="--reset-stats"; [ "${FROM_START:-}" = 1 ] && RESET=""
USERS="${USERS:-50}" DURATION="${DURATION:-3m}" PORT="${PORT:-8765}" WORKERS="${WORKERS:-4}"
PY=.venv/bin/python
OUT="${OUT:-/tmp/loadtest}"
mkdir -p "$OUT"

$PY -m pip install --quiet -r bench/requirements.txt
$PY manage.py migrate --noinput --verbosity 0
$PY manage.py collectstatic --noinput --verbosity 0
$PY bench/loadtest_setup.py
admitted_before=$(psql "$DATABASE_URL" -Atc "select count(*) from candidates_admission")

.venv/bin/celery -A tracker worker --concurrency 1 --loglevel WARNING >"$OUT/worker.log" 2>&1 &
WORKER=$!
.venv/bin/gunicorn tracker.wsgi -b "127.0.0.1:$PORT" -w "$WORKERS" --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
SERVER=$!
trap 'kill $SERVER $WORKER 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 0.2; done

.venv/bin/locust -f bench/locustfile.py --headless --users "$USERS" --spawn-rate 5 --run-time "$DURATION" $RESET \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/stats" --only-summary --stop-timeout 10 || true

$PY - "$OUT/stats_stats.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'request':<32} {'count':>7} {'fails':>6} {'median':>7} {'p95':>7} {'p99':>7} {'max':>7}")
for row in rows:
    print(f"{row['Name']:<32} {row['Request Count']:>7} {row['Failure Count']:>6} {row['50%']:>7} {row['95%']:>7} "
          f"{row['99%']:>7} {float(row['Max Response Time']):>7.0f}")
PYEOF
sleep 5  # let the worker finish the last recomputes
echo "organizations still waiting for a recompute: $(psql "$DATABASE_URL" -Atc 'select count(distinct organization_id) from tracker_pendingrecompute')"
echo "admissions recorded during the test: $(( $(psql "$DATABASE_URL" -Atc "select count(*) from candidates_admission") - admitted_before ))"
echo "server errors logged: $(grep -c 'Traceback' "$OUT/gunicorn.log" || true)"
