"""Issue 21: admissions count where the tree stood on the ceremony date, whatever order things are entered in.

Each case of the issue is a test below (late ceremonies after moves and merges, restructurings entered out
of date order, the pace rule at the edges of whole numbers, term dates edited, a person's details
corrected), then the new pieces of the contract: `check_credits`, `admission_correct` and the tree-on-a-day
selectors. The figures are checked twice: the stored credits (`admitted_count`) and what a page shows
(`figures_for`, after the recompute job the changes queue on commit).
"""
import datetime
import re
from fractions import Fraction
from io import StringIO
from itertools import permutations
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import AdmissionCredit, Gender, OccupationCategory, Stage
from cells import services as cell_services
from cells.models import Organization, Term
from tracker import tasks
from tracker.periods import parse_period, term_period, year_period
from tracker.progress import admitted_count, pace_status
from tracker.selectors import figures_for

from .factories import CandidateFactory, OrganizationFactory, admit, walk_to

Kind = Organization.Kind


def today():
    return timezone.localdate()


def d(text: str) -> datetime.date:
    """A date written dd/mm/yyyy, as the issue and the app write them."""
    return datetime.datetime.strptime(text, "%d/%m/%Y").date()


def fresh(org: Organization) -> Organization:
    # Moves rewrite paths with bulk updates: an instance loaded before is stale.
    return Organization.objects.get(pk=org.pk)


def count(org, period) -> int:
    return admitted_count(fresh(org), period)


def shown(org, period):
    """What a page shows for the organization: its snapshot and its units' rows."""
    return figures_for(fresh(org), period, today())


def prime(orgs, *periods):
    """Open the pages first, so that snapshots exist and the job after each change updates them
    (the incremental path, not the first count of a page)."""
    for org in orgs:
        for period in periods:
            shown(org, period)


def term_2020():
    return parse_period("2020-2025")


@pytest.fixture
def h(db):
    """Two districts; committees G1 and G2 under D1; cells C and C1 under G1, C2 under G2."""
    d1 = OrganizationFactory(code="h-d1", name="Huyện một", kind=Kind.DISTRICT)
    d2 = OrganizationFactory(code="h-d2", name="Huyện hai", kind=Kind.DISTRICT)
    g1 = OrganizationFactory(code="h-g1", name="Xã một", kind=Kind.GRASSROOTS_COMMITTEE, parent=d1,
                             sector=Organization.Sector.COMMUNE)
    g2 = OrganizationFactory(code="h-g2", name="Xã hai", kind=Kind.GRASSROOTS_COMMITTEE, parent=d1,
                             sector=Organization.Sector.COMMUNE)
    c = OrganizationFactory(code="h-c", name="Chi bộ C", kind=Kind.CELL, parent=g1)
    c1 = OrganizationFactory(code="h-c1", name="Chi bộ C1", kind=Kind.CELL, parent=g1)
    c2 = OrganizationFactory(code="h-c2", name="Chi bộ C2", kind=Kind.CELL, parent=g2)
    return SimpleNamespace(d1=d1, d2=d2, g1=g1, g2=g2, c=c, c1=c1, c2=c2)


def assert_counts(expected: dict, period):
    """Both the stored credits and the figures a page shows, for each organization."""
    credits = {org.code: count(org, period) for org in expected}
    assert credits == {org.code: n for org, n in expected.items()}, f"credits, {period.key}"
    for org, n in expected.items():
        figures = shown(org, period)
        assert not figures.stale, f"{org.code} {period.key}: still waiting for a recompute"
        assert figures.data["admitted"] == n, f"{org.code} {period.key}: page shows {figures.data['admitted']}, expected {n}"


# ---- 1. A ceremony recorded after a move that took effect later ------------------------------------------


def test_a_ceremony_recorded_after_a_later_move_counts_where_the_cell_stood_on_its_day(h, django_capture_on_commit_callbacks):
    for org in (h.g1, h.g2):
        cell_services.target_set(organization=org, year=2024, count=4)
    prime([h.d1, h.g1, h.g2], year_period(2024), term_2020())
    with django_capture_on_commit_callbacks(execute=True):
        cell_services.organization_move(organization=h.c, new_parent=h.g2, effective_on=d("01/07/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        admit(fresh(h.c), d("15/03/2024"))
    for period in (year_period(2024), term_2020()):
        assert_counts({h.c: 1, h.g1: 1, h.g2: 0, h.d1: 1, h.d2: 0}, period)
    g1 = shown(h.g1, year_period(2024)).data
    assert (g1["admitted"], g1["target"], g1["percent"]) == (1, 4, 25.0)


@pytest.mark.parametrize("ceremony, credited", [("30/06/2024", "g1"), ("01/07/2024", "g2")])
def test_the_effective_date_of_a_move_is_the_first_day_in_the_new_place(h, ceremony, credited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cell_services.organization_move(organization=h.c, new_parent=h.g2, effective_on=d("01/07/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        admit(fresh(h.c), d(ceremony))
    other = "g2" if credited == "g1" else "g1"
    assert_counts({getattr(h, credited): 1, getattr(h, other): 0, h.d1: 1}, year_period(2024))


def test_a_ceremony_of_today_counts_in_the_old_place_of_a_move_entered_ahead_of_its_date(h, django_capture_on_commit_callbacks):
    day = today()
    period = year_period(day.year)
    prime([h.d1, h.g1, h.g2], period)
    with django_capture_on_commit_callbacks(execute=True):
        cell_services.organization_move(organization=h.c, new_parent=h.g2, effective_on=day + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        admit(fresh(h.c), day)
    assert_counts({h.c: 1, h.g1: 1, h.g2: 0, h.d1: 1}, period)


# ---- 2. A ceremony recorded after its cell's merge -------------------------------------------------------


def decided_in(cell, decision_on):
    """A person whose admission decision was recorded in `cell`, no ceremony yet."""
    candidate = CandidateFactory(home_cell=cell, sourced_on=decision_on.replace(day=1))
    walk_to(candidate, Stage.COMMITTEE_RESOLUTION, decision_on)
    return candidate_services.admission_record(
        candidate=candidate, cell=cell, decision_number=f"QĐ-{candidate.pk}", decision_date=decision_on,
    )


def test_a_ceremony_recorded_after_the_merge_counts_in_the_merged_cell(h, django_capture_on_commit_callbacks):
    prime([h.d1, h.g1, h.g2], year_period(2024), term_2020())
    with django_capture_on_commit_callbacks(execute=True):
        admission = decided_in(h.c1, d("02/05/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        cell_services.organization_merge(source=h.c1, into=h.c2, effective_on=d("01/07/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        candidate_services.admission_hold_ceremony(admission=admission, admitted_on=d("20/06/2024"))
    for period in (year_period(2024), term_2020()):
        assert_counts({h.c1: 1, h.g1: 1, h.c2: 0, h.g2: 0, h.d1: 1}, period)
    admission.refresh_from_db()
    assert admission.cell_id == h.c1.pk, "a ceremony before the merge stays with the cell that admitted"


def test_the_old_committees_units_table_keeps_the_merged_cell_with_its_admission(h, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admission = decided_in(h.c1, d("02/05/2024"))
        cell_services.organization_merge(source=h.c1, into=h.c2, effective_on=d("01/07/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        candidate_services.admission_hold_ceremony(admission=admission, admitted_on=d("20/06/2024"))
    rows = {row["org"]: row["admitted"] for row in shown(h.g1, year_period(2024)).data["children"]}
    assert rows.get("h-c1") == 1, f"G1's units in 2024: {rows}"
    g2_rows = {row["org"]: row["admitted"] for row in shown(h.g2, year_period(2024)).data["children"]}
    assert g2_rows.get("h-c2") == 0


def test_a_decision_dated_before_the_merge_can_be_recorded_after_it(h, django_capture_on_commit_callbacks):
    candidate = CandidateFactory(home_cell=h.c1, sourced_on=d("01/04/2024"))
    walk_to(candidate, Stage.COMMITTEE_RESOLUTION, d("01/04/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        cell_services.organization_merge(source=h.c1, into=h.c2, effective_on=d("01/07/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        admission = candidate_services.admission_record(
            candidate=candidate, cell=fresh(h.c1), decision_number="QĐ-1", decision_date=d("02/05/2024"),
            admitted_on=d("20/06/2024"),
        )
    assert admission.cell_id == h.c1.pk
    assert_counts({h.c1: 1, h.g1: 1, h.c2: 0, h.g2: 0, h.d1: 1}, year_period(2024))


def test_a_decision_dated_on_or_after_the_merge_is_still_refused_in_the_merged_cell(h):
    candidate = CandidateFactory(home_cell=h.c1, sourced_on=d("01/04/2024"))
    walk_to(candidate, Stage.COMMITTEE_RESOLUTION, d("01/04/2024"))
    cell_services.organization_merge(source=h.c1, into=h.c2, effective_on=d("01/07/2024"))
    with pytest.raises(ValidationError):
        candidate_services.admission_record(
            candidate=candidate, cell=fresh(h.c1), decision_number="QĐ-1", decision_date=d("01/07/2024"),
            admitted_on=d("05/07/2024"),
        )
    assert count(h.c1, year_period(2024)) == 0


# ---- 3. Restructurings entered out of date order ----------------------------------------------------------

STEPS_OF_ISSUE_3 = ["c-under-g2-from-2024-06-01", "g2-under-d2-from-2025-01-01", "ceremony-2024-09-01"]


@pytest.mark.parametrize("order", list(permutations(STEPS_OF_ISSUE_3)), ids=" > ".join)
def test_restructurings_entered_in_any_order_credit_the_tree_of_the_ceremony_day(h, order, django_capture_on_commit_callbacks):
    prime([h.d1, h.d2, h.g1, h.g2], year_period(2024), year_period(2025))
    steps = {
        "c-under-g2-from-2024-06-01": lambda: cell_services.organization_move(
            organization=fresh(h.c), new_parent=fresh(h.g2), effective_on=d("01/06/2024")),
        "g2-under-d2-from-2025-01-01": lambda: cell_services.organization_move(
            organization=fresh(h.g2), new_parent=fresh(h.d2), effective_on=d("01/01/2025")),
        "ceremony-2024-09-01": lambda: admit(fresh(h.c), d("01/09/2024")),
    }
    for step in order:
        with django_capture_on_commit_callbacks(execute=True):
            steps[step]()
    with django_capture_on_commit_callbacks(execute=True):
        admit(fresh(h.c), d("01/02/2025"))  # after both moves: the new district
    assert_counts({h.c: 1, h.g1: 0, h.g2: 1, h.d1: 1, h.d2: 0}, year_period(2024))
    assert_counts({h.c: 1, h.g1: 0, h.g2: 1, h.d1: 0, h.d2: 1}, year_period(2025))


# ---- 4. The pace status: behind iff admitted < floor(target × elapsed share), computed exactly ---------


def exact_expected(target, period, day):
    elapsed = Fraction((day - period.start).days + 1, (period.end - period.start).days + 1)
    return target * elapsed


def pace_cases():
    """(target, period, day, exact target × elapsed share) for each edge: exactly k, just below, just above."""
    y2026, y2024 = year_period(2026), year_period(2024)
    cases = {
        # 23 × 95/365 = 5.986…: shown as 6,0 but its floor is 5 (the issue's example).
        "just below 6": (23, y2026, y2026.start + datetime.timedelta(days=94)),
        # 23 × 96/365 = 6.049…
        "just above 6": (23, y2026, y2026.start + datetime.timedelta(days=95)),
        # 183 × 30/366 = 15 exactly, though 183 × (30/366) in floating point is 14.999…
        "exactly 15": (183, y2024, y2024.start + datetime.timedelta(days=29)),
        # 73 × 5/365 = 1 exactly
        "exactly 1": (73, y2026, y2026.start + datetime.timedelta(days=4)),
    }
    return {name: (target, period, day, exact_expected(target, period, day)) for name, (target, period, day) in cases.items()}


def pace_params():
    """Each edge with the admitted counts around the floor of the exact expected count (below the target)."""
    params = []
    for name, (target, _period, _day, expected) in pace_cases().items():
        floor = expected.numerator // expected.denominator
        for admitted in (floor - 2, floor - 1, floor, floor + 1):
            if 0 <= admitted < target:
                params.append(pytest.param(name, admitted, id=f"{name}-admitted-{admitted}"))
    return params


@pytest.mark.parametrize("case, admitted", pace_params())
def test_behind_is_fewer_than_the_floor_of_the_exact_expected_count(case, admitted):
    target, period, day, expected = pace_cases()[case]
    floor = expected.numerator // expected.denominator
    status, _expected_shown = pace_status(admitted, target, period, day)
    wanted = "behind" if admitted < floor else "on_track"
    assert status == wanted, f"{admitted} admitted of {target}, {float(expected)!r} expected by {day:%d/%m/%Y}"


def test_the_issues_example_five_of_twenty_three_is_on_track():
    period = year_period(2026)
    day = period.start + datetime.timedelta(days=94)
    assert 5 < 23 * exact_expected(1, period, day) < 6
    assert pace_status(5, 23, period, day)[0] == "on_track"
    assert pace_status(4, 23, period, day)[0] == "behind"


def test_the_pace_on_a_terms_whole_number_edge(terms):
    """The demo term 2025–2030 (01/07/2025–31/12/2030): the rule holds over its 2,010 days too."""
    period = term_period(terms[2025])
    days = (period.end - period.start).days + 1
    checked = 0
    for target in (7, 23, 83, 150):
        for elapsed in range(1, days, 37):
            day = period.start + datetime.timedelta(days=elapsed - 1)
            if day >= period.end.replace(day=1):
                continue  # the period's last month has its own rule (tests/test_figures_trust.py)
            expected = Fraction(target * elapsed, days)
            floor = expected.numerator // expected.denominator
            for admitted in {floor - 1, floor} - {-1}:
                if admitted >= target:
                    continue
                wanted = "behind" if admitted < floor else "on_track"
                assert pace_status(admitted, target, period, day)[0] == wanted, (target, day, admitted, float(expected))
                checked += 1
    assert checked > 100


# ---- 5. Editing a term's dates --------------------------------------------------------------------------


@pytest.fixture
def admitted_in_may_2025(h, terms, django_capture_on_commit_callbacks):
    """One admission on 10/05/2025: in the 2020–2025 term as it stands (to 30/06/2025); its recount done
    and both terms' pages opened, so that nothing is waiting before the terms are edited."""
    with django_capture_on_commit_callbacks(execute=True):
        admit(h.c, d("10/05/2025"))
    before = term_figures(h.g1, terms)
    assert not before[2020].stale and not before[2025].stale
    assert (before[2020].data["admitted"], before[2025].data["admitted"]) == (1, 0)
    term_figures(h.d1, terms)
    return h


def move_the_boundary_to_april(terms):
    cell_services.term_update(term=terms[2020], start_date=d("01/01/2020"), end_date=d("31/03/2025"))
    cell_services.term_update(term=terms[2025], start_date=d("01/04/2025"), end_date=terms[2025].end_date)


def term_figures(org, terms):
    return {year: shown(org, term_period(Term.objects.get(pk=term.pk))) for year, term in terms.items()}


def test_editing_the_terms_dates_recounts_both_terms(admitted_in_may_2025, terms, django_capture_on_commit_callbacks):
    h = admitted_in_may_2025
    with django_capture_on_commit_callbacks(execute=True):
        move_the_boundary_to_april(terms)
    after = term_figures(h.g1, terms)
    assert not after[2020].stale and not after[2025].stale
    assert (after[2020].data["admitted"], after[2025].data["admitted"]) == (0, 1)
    assert after[2020].data["period_end"] == "2025-03-31" and after[2025].data["period_start"] == "2025-04-01"
    # The district too: its units' sum must not keep the old boundary.
    district = term_figures(h.d1, terms)
    assert (district[2020].data["admitted"], district[2025].data["admitted"]) == (0, 1)


def test_until_the_recount_a_page_shows_the_new_terms_figures_or_says_they_are_stale(admitted_in_may_2025, terms):
    h = admitted_in_may_2025
    move_the_boundary_to_april(terms)  # the job queued on commit has not run
    for year, figures in term_figures(h.g1, terms).items():
        right = {2020: 0, 2025: 1}[year]
        assert figures.stale or figures.data["admitted"] == right, f"term {year}: {figures.data['admitted']} shown as current"


def test_a_term_cannot_be_moved_over_another(terms):
    with pytest.raises(ValidationError):
        cell_services.term_update(term=terms[2020], start_date=d("01/01/2020"), end_date=d("31/12/2025"))
    assert Term.objects.get(pk=terms[2020].pk).end_date == d("30/06/2025")


def test_editing_a_term_in_the_admin_recounts_it(admitted_in_may_2025, terms, client, django_capture_on_commit_callbacks):
    from django.urls import reverse

    h = admitted_in_may_2025
    client.login(username="admin", password="QuanTri@2026")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:cells_term_change", args=[terms[2020].pk]),
            {"start_date": "01/01/2020", "end_date": "31/03/2025"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Term.objects.get(pk=terms[2020].pk).end_date == d("31/03/2025")
    figures = term_figures(h.g1, {2020: terms[2020]})[2020]
    assert not figures.stale and figures.data["admitted"] == 0


# ---- 6. Correcting an admitted person's gender or birth date -------------------------------------------


def corrected(candidate, **changes):
    data = {field: getattr(candidate, field) for field in candidate_services.EDITABLE_FIELDS}
    data.update(changes)
    return candidate_services.candidate_update(candidate=candidate, data=data)


def breakdowns(org, period):
    data = shown(org, period).data
    return data["by_gender"], data["by_age_band"]


def test_correcting_gender_and_birth_date_reaches_the_breakdowns(h, django_capture_on_commit_callbacks):
    admission = admit(h.c, d("01/03/2024"), date_of_birth=d("17/05/1995"), gender=Gender.MALE)
    period = year_period(2024)
    prime([h.d1, h.g1], period)
    assert breakdowns(h.g1, period) == ({"male": 1}, {"under_30": 1})
    with django_capture_on_commit_callbacks(execute=True):
        corrected(admission.candidate, gender=Gender.FEMALE, date_of_birth=d("01/01/1970"))
    for org in (h.c, h.g1, h.d1):
        assert breakdowns(org, period) == ({"female": 1}, {"over_45": 1}), org.code
    assert set(AdmissionCredit.objects.filter(admission=admission).values_list("gender", "age_band")) == {("female", "over_45")}


def test_the_nightly_recount_shows_a_corrected_gender(h):
    day = today()
    admission = admit(h.c, day, gender=Gender.MALE)
    period = year_period(day.year)
    prime([h.g1], period)
    corrected(admission.candidate, gender=Gender.FEMALE)  # its job never ran (the broker was down)
    tasks.recompute_all()
    assert breakdowns(h.g1, period)[0] == {"female": 1}


def test_a_later_move_of_the_cell_shows_the_corrections_in_the_old_place_and_the_new(h, django_capture_on_commit_callbacks):
    period = year_period(2024)
    march = admit(h.c, d("01/03/2024"), gender=Gender.MALE)
    september = admit(h.c, d("01/09/2024"), gender=Gender.MALE)
    prime([h.g1, h.g2], period)
    with django_capture_on_commit_callbacks(execute=True):
        for admission in (march, september):
            corrected(admission.candidate, gender=Gender.FEMALE)
    with django_capture_on_commit_callbacks(execute=True):
        cell_services.organization_move(organization=h.c, new_parent=h.g2, effective_on=d("01/06/2024"))
    assert breakdowns(h.g1, period)[0] == {"female": 1}
    assert breakdowns(h.g2, period)[0] == {"female": 1}
    assert breakdowns(h.d1, period)[0] == {"female": 2}


# ---- check_credits ---------------------------------------------------------------------------------------


def check_credits(*args) -> str:
    out = StringIO()
    call_command("check_credits", *args, stdout=out, stderr=out)  # exit code 0: no SystemExit, no CommandError
    return out.getvalue()


def numbers(text):
    return [int(n) for n in re.findall(r"\d+", text)]


def corrupt_wrong_organization(admission, h):
    AdmissionCredit.objects.filter(admission=admission, organization=h.g1).update(organization=h.g2)


def corrupt_missing(admission, h):
    AdmissionCredit.objects.filter(admission=admission, organization=h.d1).delete()


def corrupt_extra(admission, h):
    credit = AdmissionCredit.objects.get(admission=admission, organization=h.c)
    credit.pk, credit.organization = None, h.d2
    credit.save()


@pytest.mark.parametrize("corrupt", [corrupt_wrong_organization, corrupt_missing, corrupt_extra], ids=lambda f: f.__name__)
def test_check_credits_reports_a_credit_spoilt_by_hand_and_fixes_it(h, corrupt):
    admission = admit(h.c, d("15/03/2024"))
    right = set(AdmissionCredit.objects.filter(admission=admission).values_list("organization_id", flat=True))
    assert right == {h.c.pk, h.g1.pk, h.d1.pk}
    clean = check_credits()
    assert 0 in numbers(clean), clean
    corrupt(admission, h)
    spoilt = set(AdmissionCredit.objects.filter(admission=admission).values_list("organization_id", flat=True))
    assert spoilt != right
    reported = check_credits()
    assert numbers(reported) != numbers(clean), f"nothing reported: {reported!r} (clean: {clean!r})"
    assert set(AdmissionCredit.objects.filter(admission=admission).values_list("organization_id", flat=True)) == spoilt, \
        "without --fix nothing is changed"
    check_credits("--fix")
    assert set(AdmissionCredit.objects.filter(admission=admission).values_list("organization_id", flat=True)) == right
    assert check_credits() == clean
    assert (count(h.g1, year_period(2024)), count(h.g2, year_period(2024)), count(h.d1, year_period(2024))) == (1, 0, 1)


def test_check_credits_judges_by_the_tree_of_the_ceremony_day_not_todays(h):
    admission = admit(h.c, d("15/03/2024"))
    cell_services.organization_move(organization=h.c, new_parent=h.g2, effective_on=d("01/07/2024"))
    right = {h.c.pk, h.g1.pk, h.d1.pk}  # C was under G1 on 15/03/2024, whatever today's tree says
    assert set(AdmissionCredit.objects.filter(admission=admission).values_list("organization_id", flat=True)) == right
    clean = check_credits()
    check_credits("--fix")
    assert set(AdmissionCredit.objects.filter(admission=admission).values_list("organization_id", flat=True)) == right, \
        "--fix rewrote right credits from today's tree"
    # As the old code wrote a ceremony entered after the move: credited to the tree of the day it was entered.
    AdmissionCredit.objects.filter(admission=admission, organization=h.g1).update(organization=h.g2)
    assert numbers(check_credits()) != numbers(clean)
    check_credits("--fix")
    assert set(AdmissionCredit.objects.filter(admission=admission).values_list("organization_id", flat=True)) == right


# ---- admission_correct -----------------------------------------------------------------------------------


def test_correcting_the_ceremony_date_moves_the_admission_to_its_year_and_its_place_then(h, django_capture_on_commit_callbacks):
    from candidates.services import admission_correct

    admission = admit(h.c, d("15/03/2024"))
    with django_capture_on_commit_callbacks(execute=True):
        cell_services.organization_move(organization=h.c, new_parent=h.g2, effective_on=d("01/07/2024"))
    prime([h.g1, h.g2], year_period(2024), year_period(2025))
    with django_capture_on_commit_callbacks(execute=True):
        admission_correct(admission=admission, admitted_on=d("01/02/2025"))
    assert_counts({h.g1: 0, h.g2: 0, h.c: 0}, year_period(2024))
    assert_counts({h.g1: 0, h.g2: 1, h.c: 1, h.d1: 1}, year_period(2025))
    admission.refresh_from_db()
    assert admission.admitted_on == d("01/02/2025") and admission.cell_id == h.c.pk


def test_correcting_the_admitting_cell_credits_the_other_cells_tree_of_the_ceremony_day(h, django_capture_on_commit_callbacks):
    from candidates.services import admission_correct

    admission = admit(h.c, d("15/03/2024"), category=OccupationCategory.RESIDENT)
    cell_services.organization_move(organization=h.g2, new_parent=h.d2, effective_on=d("01/01/2025"))
    prime([h.g1, h.g2, h.d1, h.d2], year_period(2024))
    with django_capture_on_commit_callbacks(execute=True):
        admission_correct(admission=admission, cell=fresh(h.c2), occupation_category=OccupationCategory.TEACHER)
    assert_counts({h.c: 0, h.g1: 0, h.c2: 1, h.g2: 1, h.d1: 1, h.d2: 0}, year_period(2024))
    assert shown(h.g2, year_period(2024)).data["by_category"] == {"teacher": 1}
    admission.refresh_from_db()
    assert (admission.cell_id, admission.admitted_on) == (h.c2.pk, d("15/03/2024"))


# ---- the tree on a day -----------------------------------------------------------------------------------


def test_the_tree_on_a_day_follows_the_effective_dates_not_the_order_of_entry(h):
    from cells.selectors import lineage_on, parent_on, tree_on

    cell_services.organization_move(organization=h.g2, new_parent=h.d2, effective_on=d("01/01/2025"))
    cell_services.organization_move(organization=fresh(h.c), new_parent=fresh(h.g2), effective_on=d("01/06/2024"))
    c, g2 = fresh(h.c), fresh(h.g2)
    assert parent_on(c, d("31/05/2024")) == h.g1
    assert parent_on(c, d("01/06/2024")) == h.g2
    assert parent_on(g2, d("31/12/2024")) == h.d1
    assert parent_on(g2, d("01/01/2025")) == h.d2
    assert parent_on(h.d1, d("01/01/2024")) is None
    assert [org.code for org in lineage_on(c, d("01/03/2024"))] == ["h-d1", "h-g1", "h-c"]
    assert [org.code for org in lineage_on(c, d("01/09/2024"))] == ["h-d1", "h-g2", "h-c"]
    assert [org.code for org in lineage_on(c, d("01/02/2025"))] == ["h-d2", "h-g2", "h-c"]
    placements = {p.organization_id: p for p in tree_on(d("01/09/2024")) if p.organization_id in {h.c.pk, h.g2.pk}}
    assert placements[h.c.pk].parent_id == h.g2.pk
    assert placements[h.c.pk].valid_from == d("01/06/2024") and placements[h.c.pk].valid_to is None
    assert placements[h.g2.pk].parent_id == h.d1.pk and placements[h.g2.pk].valid_to == d("01/01/2025")
    assert placements[h.c.pk].is_active and placements[h.c.pk].kind == Kind.CELL


def test_the_tree_on_a_day_shows_a_merged_cell_until_its_merge(h):
    from cells.selectors import tree_on

    cell_services.organization_merge(source=h.c1, into=h.c2, effective_on=d("01/07/2024"))
    before = {p.organization_id: p for p in tree_on(d("30/06/2024"))}
    assert before[h.c1.pk].is_active and before[h.c1.pk].parent_id == h.g1.pk
    after = {p.organization_id: p for p in tree_on(d("01/07/2024"))}
    assert h.c1.pk not in after or not after[h.c1.pk].is_active
