"""Issue 21, generated: small trees, ceremonies and restructurings entered in a random order must give the
figures of a plain recount from the events by their dates.

Each example builds a fresh tree (2 districts, 2–3 grassroots committees, 3–5 cells), generates ceremonies
and restructurings (a cell moved between committees, a committee between districts, at most one cell
merged into another), shuffles them all and enters them through the services one by one, each committed
(its recompute job runs, as in production). The recount: an admission belongs to its cell on the ceremony
day (to the successor if its cell was merged on or before that day), then to the parents each organization
had on that day by the moves' effective dates, whatever the order they were entered in.

Compared, for every organization of the example × 2023, 2024, 2025 and the demo's two terms: the stored
credits after every event, and at the end `admitted_count`, the snapshots the jobs wrote and the districts'
pages (their own figure and their committees' rows). TREE_HISTORY_EXAMPLES=500 runs more examples locally;
TREE_HISTORY_SHRINK=0 skips shrinking a failure (minutes).
"""
import datetime
import itertools
import os
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from candidates import services as candidate_services
from candidates.models import AdmissionCredit, Candidate, EducationLevel, Gender, OccupationCategory, Stage
from cells import services as cell_services
from cells.models import Organization, Term
from tracker.models import PendingRecompute, ProgressSnapshot
from tracker.periods import term_period, year_period
from tracker.progress import admitted_count
from tracker.selectors import figures_for
from tracker.services import snapshots_fill

Kind = Organization.Kind
# About 2 s an example (a dozen services and their recompute jobs): 15 keep each database under a minute.
EXAMPLES = int(os.environ.get("TREE_HISTORY_EXAMPLES", "15"))
# Shrinking a failure replays examples for up to five minutes; TREE_HISTORY_SHRINK=0 reports the first one found.
PHASES = [Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("TREE_HISTORY_SHRINK", "1") != "0" else [])
HISTORY = settings(
    max_examples=EXAMPLES, deadline=None, database=None, phases=PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIRST, LAST = datetime.date(2023, 1, 1), datetime.date(2025, 12, 31)
TODAY = datetime.date(2026, 1, 15)  # what pages are asked for; every period compared has ended or begun by then
_codes = itertools.count()


# ---- the generated history ----------------------------------------------------------------------------------
# Organizations are named by (level, index): ("district", 0), ("committee", 2), ("cell", 4).


@dataclass(frozen=True)
class Move:
    org: tuple
    new_parent: tuple
    effective_on: datetime.date

    def __str__(self):
        return f"move {self.org} under {self.new_parent} from {self.effective_on:%d/%m/%Y}"


@dataclass(frozen=True)
class Merge:
    source: tuple
    into: tuple
    effective_on: datetime.date

    def __str__(self):
        return f"merge {self.source} into {self.into} from {self.effective_on:%d/%m/%Y}"


@dataclass(frozen=True)
class Ceremony:
    number: int
    cell: tuple
    on: datetime.date

    def __str__(self):
        return f"ceremony #{self.number} in {self.cell} on {self.on:%d/%m/%Y}"


@dataclass
class History:
    parents: dict  # the first parent of each organization (None for the districts)
    events: list = field(default_factory=list)  # in the order they are entered

    @property
    def organizations(self):
        return list(self.parents)


def _drop_no_op_moves(parents, moves):
    """Keep one move per organization and day (the first drawn), and only moves that change the parent, by date."""
    one_a_day = {}
    for move in moves:
        one_a_day.setdefault((move.org, move.effective_on), move)
    kept, current = [], dict(parents)
    for move in sorted(one_a_day.values(), key=lambda m: (m.effective_on, m.org)):
        if current[move.org] != move.new_parent:
            kept.append(move)
            current[move.org] = move.new_parent
    return kept


@st.composite
def histories(draw):
    n_committees = draw(st.integers(2, 3))
    n_cells = draw(st.integers(3, 5))
    districts = [("district", i) for i in range(2)]
    committees = [("committee", i) for i in range(n_committees)]
    cells = [("cell", i) for i in range(n_cells)]
    parents = {org: None for org in districts}
    parents.update({org: draw(st.sampled_from(districts)) for org in committees})
    parents.update({org: draw(st.sampled_from(committees)) for org in cells})
    days = st.dates(FIRST, LAST)

    merge = None
    if draw(st.booleans()):
        source, into = draw(st.permutations(cells))[:2]
        merge = Merge(source, into, draw(days))
    cell_moves = draw(st.lists(st.builds(Move, st.sampled_from(cells), st.sampled_from(committees), days), max_size=3))
    committee_moves = draw(st.lists(st.builds(Move, st.sampled_from(committees), st.sampled_from(districts), days), max_size=2))
    if merge:  # a merged cell moves no more: only moves before its merge
        cell_moves = [m for m in cell_moves if m.org != merge.source or m.effective_on < merge.effective_on]
    moves = _drop_no_op_moves(parents, cell_moves + committee_moves)
    ceremonies = [
        Ceremony(number, cell, on)
        for number, (cell, on) in enumerate(draw(st.lists(st.tuples(st.sampled_from(cells), days), min_size=1, max_size=6)))
    ]
    events = [*moves, *([merge] if merge else []), *ceremonies]
    return History(parents=parents, events=draw(st.permutations(events)))


# ---- the plain recount ---------------------------------------------------------------------------------------


def parent_on(history: History, entered, org, day):
    parent = history.parents[org]
    for move in sorted((e for e in entered if isinstance(e, Move) and e.org == org), key=lambda m: m.effective_on):
        if move.effective_on <= day:
            parent = move.new_parent
    return parent


def admitting_cell(entered, ceremony: Ceremony):
    """The cell an admission belongs to: the successor if its cell was merged on or before the ceremony day."""
    for merge in (e for e in entered if isinstance(e, Merge)):
        if merge.source == ceremony.cell and merge.effective_on <= ceremony.on:
            return merge.into
    return ceremony.cell


def recount(history: History, entered, periods) -> Counter:
    """(organization, period key) → admissions, from the events entered so far."""
    counts = Counter()
    for ceremony in (e for e in entered if isinstance(e, Ceremony)):
        org = admitting_cell(entered, ceremony)
        while org is not None:
            for period in periods:
                if period.start <= ceremony.on <= period.end:
                    counts[org, period.key] += 1
            org = parent_on(history, entered, org, ceremony.on)
    return counts


# ---- entering the events through the services ---------------------------------------------------------------


def build_tree(history: History) -> dict:
    prefix = f"gen{next(_codes)}"
    kinds = {"district": Kind.DISTRICT, "committee": Kind.GRASSROOTS_COMMITTEE, "cell": Kind.CELL}
    orgs = {}
    for key in sorted(history.parents, key=lambda k: ["district", "committee", "cell"].index(k[0])):
        level, index = key
        parent = history.parents[key]
        orgs[key] = cell_services.organization_create(
            code=f"{prefix}-{level}-{index}", name=f"{level} {index}", kind=kinds[level],
            parent=orgs[parent] if parent else None,
        )
    return orgs


def fresh(org):
    return Organization.objects.get(pk=org.pk)


def ready_candidate(home_cell, on):
    """A person whose committee has resolved to admit them (the steps before are not what is tested)."""
    return Candidate.objects.create(
        full_name="Nguyễn Văn Sinh", date_of_birth=datetime.date(1990, 4, 1), gender=Gender.FEMALE,
        education_level=EducationLevel.UNIVERSITY, occupation_category=OccupationCategory.RESIDENT,
        home_cell=home_cell, stage=Stage.COMMITTEE_RESOLUTION, stage_date=on,
    )


def enter(event, orgs, entered):
    if isinstance(event, Move):
        cell_services.organization_move(
            organization=fresh(orgs[event.org]), new_parent=fresh(orgs[event.new_parent]), effective_on=event.effective_on
        )
    elif isinstance(event, Merge):
        cell_services.organization_merge(
            source=fresh(orgs[event.source]), into=fresh(orgs[event.into]), effective_on=event.effective_on
        )
    else:
        # A ceremony in a cell merged on or before its day is recorded in the successor once the merge is known
        # (before, the merge takes it along when it is entered).
        merged = next((e for e in entered if isinstance(e, Merge) and e.source == event.cell), None)
        cell = orgs[event.cell]
        if merged and event.on >= merged.effective_on:
            cell = orgs[merged.into]
        # A person waiting in a merged cell has moved to the successor with it.
        home = orgs[merged.into] if merged else cell
        candidate_services.admission_record(
            candidate=ready_candidate(fresh(home), event.on), cell=fresh(cell), decision_number=f"QĐ-{event.number}",
            decision_date=event.on, admitted_on=event.on,
        )


def periods_compared():
    return [year_period(2023), year_period(2024), year_period(2025), *(term_period(t) for t in Term.objects.all())]


def stored_credits(orgs, periods) -> Counter:
    by_id = {org.pk: key for key, org in orgs.items()}
    counts = Counter()
    for org_id, day in AdmissionCredit.objects.filter(organization_id__in=by_id).values_list("organization_id", "admitted_on"):
        for period in periods:
            if period.start <= day <= period.end:
                counts[by_id[org_id], period.key] += 1
    return counts


def table(counts: Counter, orgs, periods):
    return {(key, period.key): counts[key, period.key] for key in orgs for period in periods}


def describe(history, entered):
    return "\n  ".join(["entered so far:", *map(str, entered)]) + f"\n  first parents: {history.parents}"


@pytest.fixture
def on_commit(db, django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@HISTORY
@given(history=histories())
def test_figures_entered_in_any_order_equal_a_recount_by_the_dates(history, on_commit):
    periods = periods_compared()
    assert {p.key for p in periods} >= {"2023", "2024", "2025", "2020-2025", "2025-2030"}
    with transaction.atomic():  # every example starts from the demo district alone
        orgs = build_tree(history)
        ids = [org.pk for org in orgs.values()]
        for period in periods:  # pages opened before: the jobs update stored rows
            snapshots_fill(period=period, organization_ids=ids)
        entered = []
        for event in history.events:
            with on_commit(execute=True):
                enter(event, orgs, entered)
            entered.append(event)
            assert table(stored_credits(orgs, periods), orgs, periods) == table(recount(history, entered, periods), orgs, periods), \
                describe(history, entered)
        expected = recount(history, entered, periods)

        assert {
            (key, period.key): admitted_count(fresh(org), period) for key, org in orgs.items() for period in periods
        } == table(expected, orgs, periods), describe(history, entered)

        assert not PendingRecompute.objects.filter(organization_id__in=ids).exists()
        by_id = {org.pk: key for key, org in orgs.items()}
        snapshots = {
            (by_id[row.organization_id], row.period_key): row.admitted
            for row in ProgressSnapshot.objects.filter(organization_id__in=ids, period_key__in=[p.key for p in periods])
        }
        assert snapshots == table(expected, orgs, periods), "snapshots written by the jobs\n  " + describe(history, entered)

        for key, org in orgs.items():  # the pages of the districts, with their committees' rows
            if key[0] != "district":
                continue
            for period in periods:
                figures = figures_for(fresh(org), period, TODAY)
                assert not figures.stale
                assert figures.data["admitted"] == expected[key, period.key], (key, period.key)
                for row in figures.data["children"]:
                    unit = next(k for k, o in orgs.items() if o.code == row["org"])
                    assert row["admitted"] == expected[unit, period.key], (key, unit, period.key)
        transaction.set_rollback(True)


@HISTORY
@given(history=histories())
def test_the_tree_on_any_day_follows_the_moves_by_their_dates(history, db):
    from cells.selectors import lineage_on, parent_on as stored_parent_on

    restructurings = [e for e in history.events if not isinstance(e, Ceremony)]
    days = {FIRST, LAST} | {e.effective_on for e in restructurings} | {
        e.effective_on - datetime.timedelta(days=1) for e in restructurings
    }
    with transaction.atomic():
        orgs = build_tree(history)
        for event in restructurings:
            enter(event, orgs, [])
        merge = next((e for e in restructurings if isinstance(e, Merge)), None)
        for key, org in orgs.items():
            for day in sorted(days):
                if merge and key == merge.source and day >= merge.effective_on:
                    continue  # merged away: where it "stands" after is not specified
                wanted = parent_on(history, restructurings, key, day)
                assert stored_parent_on(fresh(org), day) == (orgs[wanted] if wanted else None), (key, day)
                lineage, walk = [], key
                while walk is not None:
                    lineage.insert(0, orgs[walk].pk)
                    walk = parent_on(history, restructurings, walk, day)
                assert [o.pk for o in lineage_on(fresh(org), day)] == lineage, (key, day)
        transaction.set_rollback(True)
