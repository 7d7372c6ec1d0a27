import datetime

from django.core.management import call_command

from candidates.models import Admission
from cells.models import Organization
from tracker.periods import year_period
from tracker.progress import admitted_count
from tracker.selectors import fresh_figures


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
