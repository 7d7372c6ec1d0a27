"""The progress engine: admissions against targets for any organization and period.

The figures of every organization are computed inside the database by one set-based
statement per period (`recompute_statement`, which stores what `figures_select` counts), so the
whole country costs a few scans of the admissions rather than one query per organization. What is
stored is the base of the figures (admitted, target, completion date, breakdowns). The pipeline,
who waits today, is the same for every period: it is counted once for all of them
(`pipeline_statement`) into one row per organization. `summary_row` and `figures_data` turn an
organization's rows and its units' into what pages show (percentages, pace, forecast, alerts),
using today's date and the period's conversion rates.
"""
from __future__ import annotations

import datetime
import math
import re
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, JSONField, Sum

from candidates.models import PIPELINE_STAGES, AdmissionCredit, Candidate, Gender, OccupationCategory, Stage, StageEvent
from cells.models import CELL_KINDS, Organization, Target, lineage_paths
from cells.selectors import topmost

from .models import PipelineSnapshot, ProgressSnapshot
from .periods import Period, add_months, month_end

HISTORY_YEARS = 3  # conversion rates are learnt from the three years before the period
# What a snapshot stores of an organization's figures; the rest is worked out when shown.
BASE_FIGURES = ("admitted", "target", "completed_on", "breakdowns")
PIPELINE_FIGURES = ("by_stage", "total")  # what a pipeline row stores
BREAKDOWNS = ("by_category", "by_gender", "by_age_band", "by_sector", "by_month")


def admitted_count(organization: Organization, period: Period) -> int:
    """Admissions (ceremonies) in the organization's subtree during the period."""
    return AdmissionCredit.objects.filter(
        organization=organization, admitted_on__gte=period.start, admitted_on__lte=period.end
    ).count()


def target_count(organization: Organization, period: Period) -> int | None:
    """The organization's own target for the period, or None when it has no plan."""
    return Target.objects.filter(organization=organization, **period.target_lookup).values_list("count", flat=True).first()


def percent(admitted: int, target: int | None) -> float | None:
    """Share of the target reached, one decimal; None when there is no plan (never a division error)."""
    if target is None:
        return None
    if target == 0:
        return 100.0 if admitted == 0 else None
    return round(admitted * 100 / target, 1)


def in_final_month(period: Period, today: datetime.date) -> bool:
    """Whether `today` falls in the calendar month the period ends in (December for a year)."""
    return period.end.replace(day=1) <= today <= period.end


def expected_people(target: int | None, period: Period, today: datetime.date) -> int | None:
    """The whole people the plan's pace calls for by the end of `today`: ⌊target × share of the period gone by⌋."""
    if target is None:
        return None
    elapsed, total = period.elapsed_days(today)
    return target * elapsed // total


def pace_status(
    admitted: int, target: int | None, period: Period, today: datetime.date, ready: int = 0, ended: bool | None = None
) -> tuple[str, float | None]:
    """(status, expected admissions to date): no_plan, done, not_met, behind or on_track.

    - no_plan: no target; done: admitted ≥ target (whenever it happened);
    - not_met: the period is over (`ended`; by default, `today` is after its end) and admitted < target;
    - behind: admitted < ⌊target × share of the period gone by⌋ (worked out in integers: 5.96 calls for 5),
      or, in the period's last month, admitted + `ready` < target, `ready` being the people whose admission
      is decided and whose ceremony is still to come: nobody else can be admitted in a few weeks;
    - on_track otherwise.
    """
    if target is None:
        return "no_plan", None
    elapsed, total = period.elapsed_days(today)
    expected = round(target * elapsed / total, 1)  # the exact pace; pages show `expected_people`
    if admitted >= target:
        return "done", expected
    if period.has_ended(today) if ended is None else ended:
        return "not_met", expected
    if admitted < target * elapsed // total:
        return "behind", expected
    if in_final_month(period, today) and admitted + ready < target:
        return "behind", expected
    return "on_track", expected


@dataclass
class ConversionRates:
    """For each pipeline stage: the share admitted later, and the mean days it took (stored as JSON)."""

    share: dict[str, float]
    days: dict[str, float]

    def as_json(self) -> dict:
        return {"share": self.share, "days": self.days}


def conversion_rates(period: Period) -> ConversionRates:
    """Learnt, over the whole database, from people who reached each stage in the years before the period.

    Counted and summed in the database: a country's history is millions of steps (11 s in Python).
    """
    since = period.start.replace(year=period.start.year - HISTORY_YEARS)
    events = StageEvent.objects.filter(stage__in=PIPELINE_STAGES, occurred_on__gte=since, occurred_on__lt=period.start)
    rows = events.values_list("stage").annotate(
        reached=Count("id"),
        admitted=Count("candidate__admission"),
        waited=Sum(F("candidate__admission__admitted_on") - F("occurred_on")),  # the admitted people's only
    )
    return ConversionRates(
        share={stage: admitted / reached for stage, reached, admitted, _waited in rows},
        days={stage: waited.days / admitted for stage, _reached, admitted, waited in rows if admitted},
    )


def forecast_weights(rates: ConversionRates, period: Period, today: datetime.date) -> dict[str, float]:
    """What one person at each stage adds to the admissions expected by the end of the period."""
    if period.has_ended(today):
        return {}
    remaining_days = (period.end - max(today, period.start)).days
    weights = {}
    for stage in PIPELINE_STAGES:
        needed = max(rates.days.get(stage, 365.0), 1.0)
        # Someone who usually needs 200 more days is unlikely to make it in 60.
        weights[stage] = rates.share.get(stage, 0.0) * min(1.0, remaining_days / needed)
    return weights


# The few things PostgreSQL and SQLite spell differently.
_DIALECTS = {
    "postgresql": {
        "jsonb": "CAST({value} AS jsonb)",
        "text": "CAST({value} AS text)",
        "distinct": "{old} IS DISTINCT FROM {new}",
        # The day of the n-th admission: each organization's days in order, gathered with its counts.
        # Ranking every credit instead, each joined to its target, made the country's nightly statement
        # 3.37 s instead of 3.17 for a year, 5.85 instead of 4.95 for a term (bench/README.md, session 12).
        "days": "array_agg(admitted_on ORDER BY admitted_on)",
        "nth_day": "t.days[{n}]",
        # One string built from pieces, NULLs left out; chaining 34 pieces with || copied the growing
        # text at every step: the country's nightly statement, 3.82 → 3.65 s (bench/README.md, session 13).
        "concat": lambda pieces: f"concat({', '.join(pieces)})",
    },
    "sqlite": {  # JSON is kept as text; no arrays, and no ORDER BY inside an aggregate before 3.44
        "jsonb": "{value}",
        "text": "{value}",
        "distinct": "{old} IS NOT {new}",
        "days": "NULL",
        "nth_day": "(SELECT r.admitted_on FROM (SELECT admitted_on, row_number() OVER (ORDER BY admitted_on) AS rank"
        " FROM credits WHERE org_id = s.id) r WHERE r.rank = {n})",
        "concat": lambda pieces: " || ".join(f"coalesce({piece}, '')" for piece in pieces),  # concat() from 3.44
    },
}
_JSON_KEY = re.compile(r"[\w:-]+")  # written into JSON text as it is: nothing to escape
EMPTY_JSON = "'{}'"


def _json_counts(columns: list[tuple[str, str]]) -> tuple[str, list]:
    """A JSON object's text built in the SELECT from (key, count column), zero counts left out, as a
    GROUP BY leaves out what it does not meet.

    Written as PostgreSQL prints a jsonb value (keys shortest first, then in byte order; ", " and
    ": " between them), so that the nightly check compares it with the stored row's text and parses
    only the rows it writes: for 34 keys, parsing all 310,000 rows cost 0.4 s of a 3.4 s night; and
    jsonb_build_object's 68 arguments cost twice that. Were the two texts to differ, every row would
    be rewritten each night, never left wrong (tests/test_tasks.py checks they do not).
    """
    pieces, params = [], []
    for key, column in sorted(columns, key=lambda item: (len(item[0].encode()), item[0].encode())):
        if not _JSON_KEY.fullmatch(key):
            raise ValueError(f"not a plain JSON key: {key!r}")
        pieces.append(f"%s || nullif({column}, 0)")  # NULL, left out, for a zero count
        params.append(f', "{key}": ')
    joined = _DIALECTS[connection.vendor]["concat"](pieces)
    return "'{' || substr(" + joined + ", 3) || '}'", params  # substr drops the first ", "


def _breakdown_counts(period: Period) -> list[tuple[str, str, list]]:
    """Every breakdown of the credits as a conditional count, so that all are counted in the same pass
    as the total: (key, count expression, its parameters), the keys as in {"by_category:teacher": 18,
    "by_month:2023-03": 5, …}. A value outside a field's choices counts in the total and in no breakdown."""
    adapt = connection.ops.adapt_datefield_value
    counts = []
    for breakdown, column, values in (
        ("by_category", "category", OccupationCategory.values),
        ("by_gender", "gender", Gender.values),
        ("by_age_band", "age_band", AdmissionCredit.AgeBand.values),
        ("by_sector", "sector", Organization.Sector.values),
    ):
        counts += [(f"{breakdown}:{value}", f"count(*) FILTER (WHERE {column} = %s)", [value]) for value in values]
    month = period.start.replace(day=1)
    while month <= period.end:
        following = add_months(month, 1)
        condition = "count(*) FILTER (WHERE admitted_on >= %s AND admitted_on < %s)"
        counts.append((f"by_month:{month:%Y-%m}", condition, [adapt(month), adapt(following)]))
        month = following
    return counts


def _scope(organization_ids: list[int] | None):
    """(ids, a function giving "AND column IN (…)" for them, or nothing for all organizations)."""
    if organization_ids is None:
        return [], lambda column: ""
    ids = sorted(set(organization_ids))
    marks = ", ".join(["%s"] * len(ids))
    return ids, lambda column: f"AND {column} IN ({marks})"


def _figures_with(period: Period, organization_ids: list[int] | None) -> tuple[str, list]:
    """A WITH clause whose last query, `computed`, holds the base figures of these organizations
    (None: all), one row each, in the columns of BASE_FIGURES and `organization_id`.

    An organization's total, every breakdown and its days in order (the day it reached its target is
    picked from them) are counted in one pass over its admission credits.
    """
    ops = connection.ops
    sql = _DIALECTS[connection.vendor]
    ids, in_scope = _scope(organization_ids)
    counts = _breakdown_counts(period)
    tallies = ", ".join(f"{count} AS count_{index}" for index, (_key, count, _params) in enumerate(counts))
    tally_params = [param for _key, _count, count_params in counts for param in count_params]
    breakdowns, breakdown_params = _json_counts([(key, f"t.count_{index}") for index, (key, _c, _p) in enumerate(counts)])
    targets = (
        f"SELECT organization_id AS org_id, count AS n FROM {Target._meta.db_table}"
        f" WHERE {'year' if period.year else 'term_id'} = %s {in_scope('organization_id')}"
    )
    target_params = [period.year if period.year else period.term.pk, *ids]
    with_clause = f"""
WITH scope AS (SELECT id FROM {Organization._meta.db_table} WHERE true {in_scope("id")}),
targets AS ({targets}),
credits AS (
    SELECT c.organization_id AS org_id, c.admitted_on, c.category, c.gender, c.age_band, c.sector
    FROM {AdmissionCredit._meta.db_table} c
    WHERE c.admitted_on >= %s AND c.admitted_on <= %s {in_scope("c.organization_id")}
),
tallies AS (SELECT org_id, count(*) AS n, {tallies}, {sql["days"]} AS days FROM credits GROUP BY org_id),
counted AS (SELECT t.org_id, t.n, t.days, {breakdowns} AS breakdowns FROM tallies t),
computed AS (
    SELECT s.id AS organization_id, coalesce(t.n, 0) AS admitted, g.n AS target,
        -- The day of the admission that reached the target; a target of 0 is reached on the first one.
        CASE WHEN t.n >= g.n THEN {sql["nth_day"].format(n="CASE WHEN g.n > 0 THEN g.n ELSE 1 END")} END AS completed_on,
        coalesce(t.breakdowns, {EMPTY_JSON}) AS breakdowns
    FROM scope s
    LEFT JOIN counted t ON t.org_id = s.id
    LEFT JOIN targets g ON g.org_id = s.id
)
"""
    # In the order their marks appear above.
    params = [
        *ids,
        *target_params,
        ops.adapt_datefield_value(period.start), ops.adapt_datefield_value(period.end), *ids,
        *tally_params, *breakdown_params,
    ]
    return with_clause, params


def _pipeline_with(organization_ids: list[int] | None) -> tuple[str, list]:
    """A WITH clause whose last query, `computed`, holds who waits in each of these organizations'
    subtrees today (None: all), in the columns of PIPELINE_FIGURES and `organization_id`.

    Counted in one pass over the candidates, by cell, then credited to the cell's ancestors.
    """
    org_table = Organization._meta.db_table
    ids, in_scope = _scope(organization_ids)
    cell_scope, cell_params = "", []
    if ids:
        tops = [org.path for org in topmost(list(Organization.objects.filter(pk__in=ids).only("path", "depth")))]
        cell_scope = f"AND home_cell_id IN (SELECT id FROM {org_table} WHERE {' OR '.join(['path LIKE %s'] * len(tops))})"
        cell_params = [f"{path}%" for path in tops]
    stages = [str(stage) for stage in PIPELINE_STAGES]
    stage_counts = ", ".join(f"count(*) FILTER (WHERE stage = %s) AS stage_{index}" for index in range(len(stages)))
    # Summed as integers: a sum of bigint counts adds up in numeric, about a quarter slower over a million rows.
    stage_sums = ", ".join(f"sum(CAST(w.stage_{index} AS integer)) AS stage_{index}" for index in range(len(stages)))
    by_stage, by_stage_params = _json_counts([(stage, f"p.stage_{index}") for index, stage in enumerate(stages)])
    max_depth = Organization.objects.order_by("-depth").values_list("depth", flat=True).first() or 1
    with_clause = f"""
WITH scope AS (SELECT id FROM {org_table} WHERE true {in_scope("id")}),
levels(level) AS (VALUES {", ".join(f"({level})" for level in range(1, max_depth + 1))}),
waiting AS (
    SELECT home_cell_id AS cell_id, count(*) AS n, {stage_counts}
    FROM {Candidate._meta.db_table}
    WHERE stage IN ({", ".join(["%s"] * len(stages))}) AND home_cell_id IS NOT NULL {cell_scope}
    GROUP BY home_cell_id
),
pipeline_rows AS (
    -- Each cell's waiting people credited to it and its ancestors, grouped by the ancestor's path:
    -- each ancestor is then looked up once, not once per cell under it.
    SELECT substr(cell.path, 1, {Organization.steplen} * l.level) AS path, sum(CAST(w.n AS integer)) AS total,
        {stage_sums}
    FROM waiting w
    JOIN {org_table} cell ON cell.id = w.cell_id
    JOIN levels l ON l.level <= cell.depth
    GROUP BY 1
),
pipeline AS (
    SELECT ancestor.id AS org_id, p.total, {by_stage} AS by_stage
    FROM pipeline_rows p JOIN {org_table} ancestor ON ancestor.path = p.path
),
computed AS (
    SELECT s.id AS organization_id, coalesce(p.by_stage, {EMPTY_JSON}) AS by_stage, coalesce(p.total, 0) AS total
    FROM scope s LEFT JOIN pipeline p ON p.org_id = s.id
)
"""
    return with_clause, [*ids, *stages, *stages, *cell_params, *by_stage_params]


def figures_select(period: Period, organization_ids: list[int] | None = None) -> tuple[str, list]:
    """The SELECT of the base figures that `recompute_statement` stores, on its own, the breakdowns as
    JSON text (bench/progress.py times it: what the figures cost to count, with nothing written or
    compared)."""
    with_clause, params = _figures_with(period, organization_ids)
    return f"{with_clause}SELECT * FROM computed", params


def pipeline_select(organization_ids: list[int] | None = None) -> tuple[str, list]:
    """The SELECT of what `pipeline_statement` stores, on its own."""
    with_clause, params = _pipeline_with(organization_ids)
    return f"{with_clause}SELECT * FROM computed", params


def recompute_statement(
    period: Period, computed_at: datetime.datetime, organization_ids: list[int] | None = None, only_changed: bool = False
) -> tuple[str, list]:
    """One INSERT … SELECT that computes and upserts the snapshots of these organizations (None: all).

    With `only_changed`, a row whose figures are the same is left as it is, neither written nor locked
    (the nightly full recompute: most of the country has not changed since yesterday).
    """
    with_clause, params = _figures_with(period, organization_ids)
    return _upsert(ProgressSnapshot, BASE_FIGURES, with_clause, params, computed_at, only_changed, period.key)


def pipeline_statement(
    computed_at: datetime.datetime, organization_ids: list[int] | None = None, only_changed: bool = False
) -> tuple[str, list]:
    """The same as `recompute_statement` for the pipelines of these organizations (None: all)."""
    with_clause, params = _pipeline_with(organization_ids)
    return _upsert(PipelineSnapshot, PIPELINE_FIGURES, with_clause, params, computed_at, only_changed)


def _upsert(model, figures, with_clause, params, computed_at, only_changed, period_key=None) -> tuple[str, list]:
    """INSERT the `computed` rows of the WITH clause into the model's table, one per organization
    (and period, if given), updating the rows there; with `only_changed`, only rows whose figures differ.

    `computed` gives JSON figures as text (see `_json_counts`): compared with the stored rows' text,
    and parsed only for the rows written.
    """
    sql = _DIALECTS[connection.vendor]
    table = model._meta.db_table
    json_figures = {column for column in figures if isinstance(model._meta.get_field(column), JSONField)}
    keys = ["organization_id", *(["period_key"] if period_key else [])]
    period_value, period_params = (", %s", [period_key]) if period_key else ("", [])
    keep, keep_params = "WHERE true", []  # SQLite needs a WHERE before ON CONFLICT
    if only_changed:
        changed = " OR ".join(
            sql["distinct"].format(
                old=sql["text"].format(value=f"old.{column}") if column in json_figures else f"old.{column}",
                new=f"new.{column}",
            )
            for column in figures
        )
        same_period = " AND old.period_key = %s" if period_key else ""
        keep = (
            f"LEFT JOIN {table} old ON old.organization_id = new.organization_id{same_period}\n"
            f"WHERE old.id IS NULL OR {changed}"
        )
        keep_params = period_params
    values = [sql["jsonb"].format(value=f"new.{column}") if column in json_figures else f"new.{column}" for column in figures]
    # INSERT first, then WITH: SQLite reports the rows written only for a statement that starts with INSERT.
    statement = f"""
INSERT INTO {table} ({", ".join([*keys, *figures, "computed_at"])}){with_clause}SELECT new.organization_id{period_value},
    {", ".join(values)}, %s
FROM computed new
{keep}
ON CONFLICT ({", ".join(keys)}) DO UPDATE SET
    {", ".join(f"{column} = excluded.{column}" for column in [*figures, "computed_at"])}
"""
    return statement, [*params, *period_params, connection.ops.adapt_datetimefield_value(computed_at), *keep_params]


def can_roll_up(organization: Organization, period: Period) -> bool:
    """Whether the organization's base figures for the period are exactly the sum of its units'.

    True unless it is a cell (people belong to cells) or a unit moved in or out of it after the period
    began: the admissions before such a move stay credited where they happened.
    """
    return organization.kind not in CELL_KINDS and (
        organization.restructured_on is None or organization.restructured_on <= period.start
    )


def rolled_up(units: list[ProgressSnapshot], target: int | None, organization_id: int, period: Period) -> dict:
    """An organization's base figures as the sum of its units' snapshots (see `can_roll_up`)."""
    breakdowns = Counter()
    for unit in units:
        breakdowns.update(unit.breakdowns)
    admitted = sum(unit.admitted for unit in units)
    return {
        "admitted": admitted,
        "target": target,
        "completed_on": _completion_day(organization_id, admitted, target, breakdowns, period),
        "breakdowns": dict(breakdowns),
    }


def pipeline_added_up(own: dict[str, int], units: list[PipelineSnapshot]) -> dict:
    """An organization's pipeline: the people whose home is the organization itself and its units' pipelines.

    Always a plain sum: the pipeline is who waits today, wherever the units sat when the period began.
    """
    by_stage = Counter(own)
    for unit in units:
        by_stage.update(unit.by_stage)
    return {"by_stage": dict(by_stage), "total": sum(by_stage.values())}


def _completion_day(organization_id: int, admitted: int, target: int | None, breakdowns: Counter, period: Period):
    """The ceremony day the admissions reached the target: the month from the breakdown, the day from that month alone."""
    if target is None or admitted == 0 or admitted < target:
        return None
    before = 0
    for key in sorted(key for key in breakdowns if key.startswith("by_month:")):
        if before + breakdowns[key] >= target:
            month = datetime.date.fromisoformat(key.removeprefix("by_month:") + "-01")
            break
        before += breakdowns[key]
    else:
        return None
    days = (
        AdmissionCredit.objects.filter(
            organization_id=organization_id,
            admitted_on__gte=max(month, period.start),
            admitted_on__lte=min(month_end(month), period.end),
        )
        .values_list("admitted_on")
        .annotate(n=Count("*"))  # not Count("id"): the day is then read from the index alone
        .order_by("admitted_on")
    )
    for day, count in days:
        before += count
        if before >= target:
            return day
    return None


def waiting_at(organization_ids: list[int]) -> dict[int, dict[str, int]]:
    """By stage, the people waiting whose home is one of these organizations itself (not its units)."""
    rows = (
        Candidate.objects.filter(home_cell_id__in=organization_ids, stage__in=PIPELINE_STAGES)
        .order_by()
        .values_list("home_cell_id", "stage")
        .annotate(n=Count("*"))
    )
    waiting = {}
    for org_id, stage, count in rows:
        waiting.setdefault(org_id, {})[stage] = count
    return waiting


def pipelines_on(organization: Organization, day: datetime.date) -> dict[str, dict[str, int]]:
    """Who was in the pipeline at the end of `day` in the organization's subtree, by stage, grouped by the
    path of the unit directly under the organization they belong to (the organization's own path for
    people whose home is the organization itself): one query, whatever the number of units and people.

    Reconstructed from the steps (`StageEvent`): a person's stage on a day is the furthest step recorded
    on or before it (the candidate's current stage and its date count as one, for people stored without
    their steps); people who had reached a pipeline stage and had not yet been admitted or left it are in.
    Each person counts under their home cell as recorded now, in the tree as it stands now.
    """
    ranks = {str(stage): index for index, stage in enumerate(PIPELINE_STAGES, start=1)}
    beyond = len(ranks) + 1  # admitted, full member, not confirmed, left: out of the pipeline
    rank = "CASE stage " + " ".join(f"WHEN %s THEN {index}" for index in ranks.values()) + f" ELSE {beyond} END"
    rank_params = list(ranks)
    pipeline_marks = ", ".join(["%s"] * len(ranks))
    adapt = connection.ops.adapt_datefield_value
    sql = f"""
WITH people AS (
    SELECT c.id, o.path, c.stage, c.stage_date
    FROM {Candidate._meta.db_table} c JOIN {Organization._meta.db_table} o ON o.id = c.home_cell_id
    -- Whose stage was already final by the day, and is still the same, was out of the pipeline then.
    WHERE o.path LIKE %s AND (c.stage IN ({pipeline_marks}) OR c.stage_date > %s)
),
steps AS (
    SELECT p.id, p.path, e.stage FROM people p JOIN {StageEvent._meta.db_table} e ON e.candidate_id = p.id
    WHERE e.occurred_on <= %s
    UNION ALL
    SELECT p.id, p.path, p.stage FROM people p WHERE p.stage_date <= %s
),
furthest AS (SELECT id, path, max({rank}) AS stage_rank FROM steps GROUP BY id, path)
SELECT substr(path, 1, {len(organization.path) + Organization.steplen}) AS unit_path, stage_rank, count(*)
FROM furthest WHERE stage_rank < {beyond} GROUP BY 1, 2
"""
    params = [f"{organization.path}%", *ranks, adapt(day), adapt(day), adapt(day), *rank_params]
    stages = {index: stage for stage, index in ranks.items()}
    waiting: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_path, stage_rank, count in cursor.fetchall():
            waiting.setdefault(unit_path, {})[stages[stage_rank]] = count
    return waiting


def forecast(admitted: int, pipeline: PipelineSnapshot, weights: dict[str, float]) -> float:
    """Admissions expected by the end of the period: those made, and the pipeline's likely ones."""
    return admitted + sum(count * weights.get(stage, 0.0) for stage, count in pipeline.by_stage.items())


# Below this many people in the pipeline the forecast is shown as a range (see `forecast_people`).
FORECAST_RANGE_BELOW = 50


def _whole(value: float, rounding) -> int:
    # Rounded to a millionth first: 10 × 0.3 is 3.0000000000000004, whose ceiling would be 4.
    return int(rounding(round(value, 6)))


def forecast_people(admitted: int, pipeline: PipelineSnapshot, weights: dict[str, float]) -> tuple[int, int, int]:
    """The forecast in whole people: (low, expected, high), never above admitted + the people in the pipeline.

    Expected: admitted + the pipeline's likely admissions, rounded to the nearest person (halves up).
    With fewer than FORECAST_RANGE_BELOW people in the pipeline, low and high round each stage's likely
    admissions down (pessimistic) and up (optimistic): 3 people at a stage where each counts for 0.4 give
    1 to 2. With more, low = high = expected.
    """
    waiting = sum(pipeline.by_stage.values())
    ceiling = admitted + waiting
    likely = [count * weights.get(stage, 0.0) for stage, count in pipeline.by_stage.items()]
    expected = min(ceiling, admitted + _whole(sum(likely) + 0.5, math.floor))
    if waiting >= FORECAST_RANGE_BELOW:
        return expected, expected, expected
    low = min(ceiling, admitted + sum(_whole(value, math.floor) for value in likely))
    high = min(ceiling, admitted + sum(_whole(value, math.ceil) for value in likely))
    return low, expected, high


def summary_row(
    org: Organization,
    snapshot: ProgressSnapshot,
    pipeline: PipelineSnapshot,
    period: Period,
    today: datetime.date,
    weights: dict[str, float],
    as_of: bool = False,
) -> dict:
    """One organization's line: its stored figures and pipeline, and what follows from them today.

    `weights` are the period's `forecast_weights` for today. With `as_of`, the figures are the state at the
    end of the day `today` (a past month's report): the period is over if that day is its last, and nothing
    is forecast (`org.is_active` is then whether it was active that day).
    """
    admitted, target = snapshot.admitted, snapshot.target
    ended = today >= period.end if as_of else period.has_ended(today)
    forecasting = not ended and not as_of
    ready = pipeline.by_stage.get(Stage.DECIDED, 0)
    status, expected = pace_status(admitted, target, period, today, ready=ready, ended=ended)
    predicted = forecast(admitted, pipeline, weights)
    low, likely, high = forecast_people(admitted, pipeline, weights) if forecasting else (None, None, None)
    # Whole people: rounded up, and no alert for less than one person.
    missing = round(target - predicted, 6) if target is not None else 0
    done_on = snapshot.completed_on
    return {
        "org": org.code,
        "name": org.name,
        "kind": org.kind,
        "is_active": org.is_active,
        "admitted": admitted,
        "target": target,
        "percent": percent(admitted, target),
        "status": status,
        "expected_to_date": expected,
        "expected_people": expected_people(target, period, today),
        "final_month": not ended and in_final_month(period, today),
        "still_needed": max(0, target - admitted) if target is not None else None,
        "ready": ready,
        "pipeline_total": pipeline.total,
        "forecast": round(predicted, 1) if forecasting or not as_of else None,
        "forecast_low": low,
        "forecast_people": likely,
        "forecast_high": high,
        "forecast_text": (f"{low}–{high}" if low != high else str(likely)) if forecasting else None,
        # The pipeline can only help a period that is still running.
        "source_gap": forecasting and target is not None and missing >= 1,
        "missing": math.ceil(missing) if forecasting and target is not None and missing >= 1 else 0,
        "completed_on": done_on.isoformat() if done_on else None,
        "completed_early": bool(done_on and done_on < period.end and not ended),
    }


def figures_data(
    org: Organization,
    snapshot: ProgressSnapshot,
    pipeline: PipelineSnapshot,
    units: list[tuple[Organization, ProgressSnapshot, PipelineSnapshot]],
    period: Period,
    today: datetime.date,
    weights: dict[str, float],
    as_of: bool = False,
) -> dict:
    """Everything a dashboard, the API and the reports show for one organization and period
    (`as_of`: the state at the end of the day `today`, see `summary_row`)."""
    child_rows = [
        row for row in (
            summary_row(unit, unit_snapshot, unit_pipeline, period, today, weights, as_of)
            for unit, unit_snapshot, unit_pipeline in units
        )
        # A closed unit with nothing in the period is noise in today's table.
        if row["is_active"] or row["admitted"] or row["target"] is not None
    ]
    data = summary_row(org, snapshot, pipeline, period, today, weights, as_of)
    ended = today >= period.end if as_of else period.has_ended(today)
    child_targets = [row["target"] for row in child_rows if row["target"] is not None]
    data.update(
        {
            "period": period.key,
            "period_label": period.label,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "period_ended": ended,
            "today": today.isoformat(),
            "as_of": as_of,
            "children_target": sum(child_targets) if child_targets else None,
            "children_without_plan": sum(1 for row in child_rows if row["target"] is None),
            "pipeline": {str(stage): pipeline.by_stage.get(stage, 0) for stage in PIPELINE_STAGES},
            "children": child_rows,
            "alerts": _alerts(data, child_rows, ended),
        }
    )
    for key in BREAKDOWNS:
        data[key] = {}
    for key, count in snapshot.breakdowns.items():
        breakdown, _colon, value = key.partition(":")
        data[breakdown][value] = count
    return data


def _alerts(own: dict, children: list[dict], ended: bool) -> list[dict]:
    """no_plan while the period runs (an ended period can no longer be planned); not_met once it has
    ended below its target; source_gap when the forecast falls one person or more short."""
    alerts = []
    for row in [own, *children]:
        if not row["is_active"]:
            continue
        if row["target"] is None:
            if not ended:
                alerts.append({"org": row["org"], "name": row["name"], "kind": "no_plan"})
        elif row["status"] == "not_met":
            alerts.append(
                {
                    "org": row["org"],
                    "name": row["name"],
                    "kind": "not_met",
                    "missing": row["target"] - row["admitted"],
                    "admitted": row["admitted"],
                    "target": row["target"],
                }
            )
        elif row["source_gap"]:
            alerts.append(
                {
                    "org": row["org"],
                    "name": row["name"],
                    "kind": "source_gap",
                    "missing": row["missing"],
                    "pipeline": row["pipeline_total"],
                }
            )
    return alerts


def organizations_with_ancestors(organization_ids: list[int]) -> list[Organization]:
    """The organizations named and every ancestor of them, each once."""
    paths = set()
    for path in Organization.objects.filter(pk__in=organization_ids).values_list("path", flat=True):
        paths.update(lineage_paths(path))
    return list(Organization.objects.filter(path__in=paths))
