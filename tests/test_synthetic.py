import datetime

from django.core.management import call_command
from django.utils import timezone

from candidates.models import Admission
from cells.models import Organization, Target, Term
from tracker.periods import current_term, year_period
from tracker.progress import admitted_count
from tracker.selectors import fresh_figures
from tracker.synthetic import write_rows

from .factories import OrganizationFactory


def test_a_small_synthetic_country_adds_up(db, capsys):
    call_command("generate_synthetic", "--provinces", "2", "--seed", "7", "--scale", "0.02")
    root = Organization.objects.get(code="syn-vn")
    provinces = list(Organization.objects.get_children(root))
    assert len(provinces) == 2
    assert Organization.objects.filter(code__startswith="syn-", kind=Organization.Kind.CELL).exists()
    year = year_period(datetime.date.today().year - 1)
    total = admitted_count(root, year)
    assert total > 0 and total == sum(admitted_count(p, year) for p in provinces)
    figures = fresh_figures([root], year, datetime.date.today())[root.pk]
    assert figures["admitted"] == total and figures["target"] and len(figures["children"]) == 2
    assert Admission.objects.filter(decision_number__startswith="S-").count() >= total
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_a_synthetic_country_has_targets_for_five_years_and_the_current_term(db):
    call_command("generate_synthetic", "--provinces", "1", "--seed", "7", "--scale", "0.02")
    today = timezone.localdate()  # the generator's today
    term = current_term(today)
    assert term is not None
    root = Organization.objects.get(code="syn-vn")
    organizations = Organization.objects.filter(code__startswith="syn-").count()
    term_targets = Target.objects.filter(term=term.term, organization__code__startswith="syn-")
    assert 0.9 * organizations <= term_targets.count() <= organizations
    yearly = Target.objects.filter(organization=root, year=today.year).values_list("count", flat=True).first()
    assert term_targets.get(organization=root).count > 4 * yearly
    years = set(Target.objects.filter(organization__code__startswith="syn-", year__isnull=False).values_list("year", flat=True))
    assert years == set(range(today.year - 4, today.year + 1))
    figures = fresh_figures([root], term, today)[root.pk]
    assert figures["target"] == term_targets.get(organization=root).count and figures["admitted"] > 0


def test_rows_written_without_model_instances_keep_their_nulls_and_empty_texts(db):
    cell = OrganizationFactory()
    term, _created = Term.objects.get_or_create(start_date=datetime.date(2025, 7, 1), defaults={"end_date": datetime.date(2030, 12, 31)})
    write_rows(
        Target, ["organization", "year", "term", "count", "resolution"],
        [(cell.pk, 2025, None, 3, ""), (cell.pk, None, term.pk, 12, "Nghị quyết, số 5")],
    )
    yearly, termly = Target.objects.get(organization=cell, year=2025), Target.objects.get(organization=cell, term=term)
    assert (yearly.year, yearly.term_id, yearly.count, yearly.resolution) == (2025, None, 3, "")
    assert (termly.year, termly.term_id, termly.count, termly.resolution) == (None, term.pk, 12, "Nghị quyết, số 5")
