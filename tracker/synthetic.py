"""National-size synthetic data for benchmarks: the tree, targets, admissions and the pipeline,
written in bulk: the credits and targets as plain rows, COPY on PostgreSQL (no history: this is test
data, not records of people)."""
from __future__ import annotations

import csv
import datetime
import io
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection, models, transaction
from django.utils import timezone

from candidates.models import Admission, AdmissionCredit, Candidate, EducationLevel, Gender, OccupationCategory, Stage
from candidates.text import sort_key
from candidates.services import age_band
from cells.models import Organization, Placement, Target, Term, lineage_paths

Kind, Sector = Organization.Kind, Organization.Sector

# Per province at full size: 34 provinces give about 3,300 communes, 52,000 grassroots organizations,
# 250,000 cells, 1,000,000 admissions over five years and 500,000 people in the pipeline.
UPPER_PER_PROVINCE = 102          # communes and wards (97) plus agency and enterprise committees (5)
GRASSROOTS_PER_UPPER = 15
CELLS_PER_COMMITTEE = 7           # 70 % of grassroots organizations are committees with cells
ADMISSIONS_PER_YEAR_PER_PROVINCE = 5900
PIPELINE_PER_PROVINCE = 14700
YEARS = 5
BATCH = 5000


def write_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert rows given as tuples of these fields' values, without building model instances.

    For the millions of credits and targets: bulk_create spent most of a country's generation making
    and compiling them. COPY on PostgreSQL, as its manual advises for loading a database; executemany
    elsewhere (SQLite, for the tests' small countries).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in columns]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})", rows)
            return
        # An empty CSV value is NULL, except in the text columns that take none: there it is "".
        not_null = [connection.ops.quote_name(f.column) for f in fields if isinstance(f, models.CharField) and not f.null]
        options = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
        for chunk in _chunks(rows, 100_000):
            text = io.StringIO()
            csv.writer(text).writerows(chunk)
            text.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv{options})", text)


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def _path(parent_path: str, index: int) -> str:
    return Organization._get_path(parent_path or None, len(parent_path) // Organization.steplen + 1, index)


def _plan(rng: random.Random, expected: float) -> int | None:
    """A target close to what is expected, or None: 3 % of organizations set none."""
    if rng.random() < 0.03:
        return None
    return max(1, round(expected * rng.uniform(0.9, 1.2)))


class Generator:
    def __init__(self, *, provinces: int, seed: int, scale: float = 1.0, today: datetime.date):
        self.provinces, self.scale, self.today = provinces, scale, today
        self.rng = random.Random(seed)
        self.term_rng = random.Random(f"{seed}-term")  # its own: the rest is the same as before terms were added
        self.orgs: list[Organization] = []
        self.cells: list[Organization] = []

    def scaled(self, count: int) -> int:
        return max(1, round(count * self.scale))

    def tree(self, prefix: str) -> None:
        last_root = Organization.objects.get_last_root_node()
        position = Organization.numconv_obj().str2int(last_root.path) + 1 if last_root else 1
        root = Organization(code=f"{prefix}vn", name="Toàn quốc", kind=Kind.NATIONAL, path=_path("", position), depth=1)
        self.orgs.append(root)
        for p in range(1, self.provinces + 1):
            province = self._child(root, p, f"{prefix}p{p}", f"Đảng bộ tỉnh {p}", Kind.PROVINCE, Sector.OTHER)
            for u in range(1, self.scaled(UPPER_PER_PROVINCE) + 1):
                sector = Sector.COMMUNE if u <= self.scaled(UPPER_PER_PROVINCE) * 0.95 else Sector.STATE_AGENCY
                upper = self._child(province, u, f"{province.code}-u{u}", f"Đảng bộ xã {p}.{u}", Kind.DISTRICT, sector)
                for g in range(1, GRASSROOTS_PER_UPPER + 1):
                    code = f"{upper.code}-g{g}"
                    if self.rng.random() < 0.3:
                        self.cells.append(self._child(upper, g, code, f"Chi bộ cơ sở {code}", Kind.GRASSROOTS_CELL, sector))
                        continue
                    committee = self._child(upper, g, code, f"Đảng bộ cơ sở {code}", Kind.GRASSROOTS_COMMITTEE, sector)
                    for c in range(1, CELLS_PER_COMMITTEE + 1):
                        self.cells.append(self._child(committee, c, f"{code}-c{c}", f"Chi bộ {code}-{c}", Kind.CELL, sector))
        Organization.objects.bulk_create(self.orgs, batch_size=BATCH)
        saved = dict(Organization.objects.filter(code__startswith=prefix).values_list("code", "pk"))
        for org in self.orgs:
            org.pk = saved[org.code]
        id_by_path = {org.path: org.pk for org in self.orgs}
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        write_rows(
            Placement, ["organization", "parent", "name", "kind", "sector", "is_active", "reason", "changed", "recorded_at"],
            ((org.pk, id_by_path.get(org.path[: -Organization.steplen]), org.name, org.kind, org.sector, True, "created", "", now)
             for org in self.orgs),
        )

    def _child(self, parent: Organization, index: int, code: str, name: str, kind: str, sector: str) -> Organization:
        parent.numchild += 1
        org = Organization(code=code, name=name, kind=kind, sector=sector, path=_path(parent.path, index), depth=parent.depth + 1)
        self.orgs.append(org)
        return org

    def targets(self) -> None:
        """Each organization's own plan for each of the five years and for the current term, close to
        what its subtree admits (a few have none)."""
        term = self.current_term()
        term_years = ((term.end_date - term.start_date).days + 1) / 365.25
        years = range(self.today.year - YEARS + 1, self.today.year + 1)
        per_cell = ADMISSIONS_PER_YEAR_PER_PROVINCE * self.provinces * self.scale / max(len(self.cells), 1)
        cells_under = Counter(path for cell in self.cells for path in lineage_paths(cell.path))
        rows = []
        for org in self.orgs:
            yearly = per_cell * cells_under[org.path]
            for year in years:
                if count := _plan(self.rng, yearly):
                    rows.append((org.pk, year, None, count, ""))
            if count := _plan(self.term_rng, yearly * term_years):
                rows.append((org.pk, None, term.pk, count, ""))
        write_rows(Target, ["organization", "year", "term", "count", "resolution"], rows)

    def current_term(self) -> Term:
        """The term today falls in; if there is none, one from 1 July of the last year ending in 0 or 5
        to the end of the fifth year after, as the demo's 2025–2030."""
        term = Term.containing(self.today)
        if term is None:
            start_year = self.today.year - self.today.year % 5
            if self.today < datetime.date(start_year, 7, 1):
                start_year -= 5
            term = Term.objects.create(start_date=datetime.date(start_year, 7, 1), end_date=datetime.date(start_year + 5, 12, 31))
        return term

    def people(self) -> None:
        first_year = self.today.year - YEARS + 1
        admissions_total = round(ADMISSIONS_PER_YEAR_PER_PROVINCE * self.provinces * self.scale * YEARS)
        pipeline_total = round(PIPELINE_PER_PROVINCE * self.provinces * self.scale)
        categories = OccupationCategory.values
        candidates, admitted = [], []
        for n in range(admissions_total + pipeline_total):
            cell = self.rng.choice(self.cells)
            born = datetime.date(self.rng.randint(1965, 2007), self.rng.randint(1, 12), self.rng.randint(1, 28))
            is_admitted = n < admissions_total
            if is_admitted:
                ceremony = datetime.date(first_year, 1, 1) + datetime.timedelta(
                    days=self.rng.randint(0, (self.today - datetime.date(first_year, 1, 1)).days - 1)
                )
            candidates.append(Candidate(
                full_name=f"Người {n}", sort_name=sort_key(f"Người {n}"), date_of_birth=born, gender=self.rng.choice(Gender.values),
                education_level=EducationLevel.UPPER_SECONDARY, occupation_category=self.rng.choice(categories),
                home_cell_id=cell.pk,
                stage=Stage.PROBATIONARY if is_admitted else self.rng.choice([Stage.SOURCED, Stage.TRAINED, Stage.APPLIED, Stage.VERIFIED]),
                stage_date=ceremony if is_admitted else self.today,
            ))
            if is_admitted:
                admitted.append((len(candidates) - 1, cell, ceremony))
        Candidate.objects.bulk_create(candidates, batch_size=BATCH)
        admissions = [
            Admission(candidate_id=candidates[i].pk, cell_id=cell.pk, occupation_category=candidates[i].occupation_category,
                      decision_number=f"S-{i}", decision_date=day, admitted_on=day)
            for i, cell, day in admitted
        ]
        Admission.objects.bulk_create(admissions, batch_size=BATCH)
        id_by_path = {org.path: org.pk for org in self.orgs}
        credits = (
            (admission.pk, id_by_path[path], day, admission.occupation_category, candidates[i].gender,
             age_band(candidates[i].date_of_birth, day), cell.sector)
            for admission, (i, cell, day) in zip(admissions, admitted)
            for path in lineage_paths(cell.path)
        )
        write_rows(AdmissionCredit, ["admission", "organization", "admitted_on", "category", "gender", "age_band", "sector"], credits)


@transaction.atomic
def generate(*, provinces: int, seed: int, scale: float = 1.0, today: datetime.date, prefix: str = "syn-") -> dict:
    generator = Generator(provinces=provinces, seed=seed, scale=scale, today=today)
    generator.tree(prefix)
    generator.targets()
    generator.people()
    return {"organizations": len(generator.orgs), "cells": len(generator.cells),
            "admissions": Admission.objects.filter(decision_number__startswith="S-").count()}
