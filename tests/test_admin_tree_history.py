"""The admin side of the tree's history: dated changes through the organization form, its placements
shown on its page, admissions and terms corrected through their services, refusals as form errors."""
import datetime

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Admission, Stage
from cells import services
from cells.models import Organization, Placement, Term
from cells.selectors import parent_on
from tracker.models import ProgressSnapshot
from tracker.periods import year_period
from tracker.progress import admitted_count

from .factories import CandidateFactory, OrganizationFactory, admit, walk_to


@pytest.fixture
def superuser_client(client, db):
    client.login(username="admin", password="QuanTri@2026")
    return client


def count(organization, year):
    return admitted_count(organization, year_period(year))


def _posted(value):
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return value


def change_data(client, url, **changes):
    """What the browser posts back from the change page at `url` left as shown, with `changes`."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: _posted(form[name].value()) for name in form.fields}
    for inline in response.context.get("inline_admin_formsets", []):  # none on the revert form
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        for row in formset.initial_forms:
            data[row.add_prefix(formset.model._meta.pk.name)] = row.instance.pk
            data[row.add_prefix(formset.fk.name)] = formset.instance.pk
    data.update(changes)
    return data


def organization_url(organization):
    return reverse("admin:cells_organization_change", args=[organization.pk])


def history(organization):
    return list(
        Placement.objects.filter(organization=organization)
        .order_by(models.F("valid_from").asc(nulls_first=True))
        .values_list("valid_from", "valid_to", "parent_id", "name")
    )


@pytest.fixture
def other_commune(tree):
    return OrganizationFactory(
        code="c2", name="Xã khác", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=tree["district"],
        sector=Organization.Sector.COMMUNE,
    )


def test_the_change_form_asks_from_when_and_the_add_form_does_not(superuser_client, tree):
    response = superuser_client.get(organization_url(tree["cell_a"]))
    form = response.context["adminform"].form
    assert form["effective_on"].value() == timezone.localdate()
    assert timezone.localdate().strftime("%d/%m/%Y") in response.content.decode()
    assert "effective_on" not in superuser_client.get(reverse("admin:cells_organization_add")).context["adminform"].form.fields


def test_a_move_dated_in_the_past_credits_earlier_ceremonies_to_the_old_parent_and_later_ones_to_the_new(
    superuser_client, tree, other_commune
):
    cell, commune = tree["cell_a"], tree["commune"]
    admit(cell, datetime.date(2024, 3, 1))
    admit(cell, datetime.date(2025, 3, 1))
    url = organization_url(cell)
    response = superuser_client.post(url, change_data(superuser_client, url, parent=other_commune.pk, effective_on="01/09/2024"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert (count(commune, 2024), count(commune, 2025)) == (1, 0)
    assert (count(other_commune, 2024), count(other_commune, 2025)) == (0, 1)
    assert (count(tree["district"], 2024), count(tree["district"], 2025)) == (1, 1)
    assert parent_on(cell, datetime.date(2024, 8, 31)) == commune
    assert parent_on(cell, datetime.date(2024, 9, 1)) == other_commune
    assert Organization.objects.get_parent(Organization.objects.get(pk=cell.pk)) == other_commune


def test_a_rename_dated_in_the_past_shows_as_two_rows_of_the_history(superuser_client, tree):
    cell = tree["cell_b"]
    url = organization_url(cell)
    response = superuser_client.post(url, change_data(superuser_client, url, name="Chi bộ ấp B mới", effective_on="01/01/2024"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Organization.objects.get(pk=cell.pk).name == "Chi bộ ấp B mới"

    response = superuser_client.get(url)
    (inline,) = response.context["inline_admin_formsets"]
    rows = [(row.instance.valid_from, row.instance.valid_to, row.instance.name) for row in inline.formset.forms]
    assert rows == [
        (None, datetime.date(2024, 1, 1), "Chi bộ ấp B"),
        (datetime.date(2024, 1, 1), None, "Chi bộ ấp B mới"),
    ]
    page = response.content.decode()
    assert "01/01/2024" in page and "2024-01-01" not in page  # dd/mm/yyyy, in Vietnamese as in English
    assert "(from the start)" in page or "(từ đầu)" in page
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission


def test_the_history_lists_a_move_and_a_rename_in_date_order(superuser_client, tree, other_commune):
    cell = tree["cell_a"]
    services.organization_move(organization=cell, new_parent=other_commune, effective_on=datetime.date(2025, 7, 1))
    services.organization_update(
        organization=cell, name="Chi bộ ấp A1", kind=cell.kind, sector=cell.sector, effective_on=datetime.date(2024, 1, 1)
    )
    (inline,) = superuser_client.get(organization_url(cell)).context["inline_admin_formsets"]
    rows = [(row.instance.valid_from, row.instance.parent_id, row.instance.name) for row in inline.formset.forms]
    assert rows == [
        (None, tree["commune"].pk, "Chi bộ ấp A"),
        (datetime.date(2024, 1, 1), tree["commune"].pk, "Chi bộ ấp A1"),
        (datetime.date(2025, 7, 1), other_commune.pk, "Chi bộ ấp A1"),
    ]


def test_a_new_kind_and_a_new_parent_at_once_are_saved_in_the_order_that_fits(superuser_client, tree, other_commune):
    """A commune becoming a district under a province: moved first (a commune may sit under a province),
    then its kind changed (a district may too), both from the same day."""
    province = OrganizationFactory(code="p", name="Tỉnh thử", kind=Organization.Kind.PROVINCE)
    url = organization_url(other_commune)
    response = superuser_client.post(
        url, change_data(superuser_client, url, parent=province.pk, kind="district", effective_on="01/01/2025")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = Placement.objects.filter(organization=other_commune).order_by(models.F("valid_from").asc(nulls_first=True))
    assert [(row.valid_from, row.parent_id, row.kind) for row in rows] == [
        (None, tree["district"].pk, "grassroots_committee"),
        (datetime.date(2025, 1, 1), province.pk, "district"),
    ]


def test_a_new_kind_and_parent_no_service_order_allows_come_back_as_an_error(superuser_client, tree):
    """A cell under a commune cannot become a grassroots cell under the district through the two services
    (neither in between state is allowed): a form error, nothing written."""
    cell = tree["cell_a"]
    before = history(cell)
    url = organization_url(cell)
    response = superuser_client.post(
        url, change_data(superuser_client, url, parent=tree["district"].pk, kind="grassroots_cell", effective_on="01/01/2025")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["kind"]
    assert history(cell) == before


def test_a_move_under_one_of_its_own_units_comes_back_as_an_error_next_to_the_parent(superuser_client, tree):
    commune = tree["commune"]
    before = history(commune)
    url = organization_url(commune)
    response = superuser_client.post(url, change_data(superuser_client, url, parent=tree["cell_a"].pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    assert history(commune) == before


def test_a_move_dated_in_9999_comes_back_as_an_error_next_to_the_date(superuser_client, tree, other_commune):
    cell = tree["cell_a"]
    before = history(cell)
    url = organization_url(cell)
    response = superuser_client.post(url, change_data(superuser_client, url, parent=other_commune.pk, effective_on="31/12/9999"))
    assert response.status_code == 200
    assert "01/01/1930" in str(response.context["adminform"].form.errors["effective_on"])
    assert history(cell) == before
    assert Organization.objects.get_parent(Organization.objects.get(pk=cell.pk)) == tree["commune"]


def test_a_move_the_service_refuses_comes_back_as_an_error_and_writes_nothing(superuser_client, tree):
    """The new parent did not exist yet on the day given: only the service knows (the placements)."""
    late = services.organization_create(
        code="c3", name="Xã mới lập", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=tree["district"],
        effective_on=datetime.date(2025, 1, 1),
    )
    cell = tree["cell_a"]
    before = history(cell)
    url = organization_url(cell)
    response = superuser_client.post(
        url, change_data(superuser_client, url, parent=late.pk, name="Tên khác", effective_on="01/06/2024")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "01/06/2024" in str(errors["parent"]) and "Xã mới lập" in str(errors["parent"])
    assert history(cell) == before  # neither the move nor the rename was kept
    assert Organization.objects.get(pk=cell.pk).name == "Chi bộ ấp A"


def test_a_rename_dated_before_the_organization_existed_comes_back_next_to_the_date(superuser_client, tree):
    late = services.organization_create(
        code="c3", name="Xã mới lập", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=tree["district"],
        effective_on=datetime.date(2025, 1, 1),
    )
    url = organization_url(late)
    response = superuser_client.post(url, change_data(superuser_client, url, name="Xã đổi tên", effective_on="01/06/2024"))
    assert response.status_code == 200
    assert "01/06/2024" in str(response.context["adminform"].form.errors["effective_on"])
    assert Organization.objects.get(pk=late.pk).name == "Xã mới lập"


def test_a_move_dated_before_the_organization_existed_comes_back_next_to_the_date(superuser_client, tree, other_commune):
    late = services.organization_create(
        code="c3-a", name="Chi bộ mới lập", kind=Organization.Kind.CELL, parent=tree["commune"],
        effective_on=datetime.date(2025, 1, 1),
    )
    url = organization_url(late)
    response = superuser_client.post(url, change_data(superuser_client, url, parent=other_commune.pk, effective_on="01/06/2024"))
    assert response.status_code == 200
    assert "01/06/2024" in str(response.context["adminform"].form.errors["effective_on"])


def test_changing_only_the_code_keeps_the_history_as_it_was(superuser_client, tree):
    cell = tree["cell_a"]
    before = history(cell)
    url = organization_url(cell)
    response = superuser_client.post(url, change_data(superuser_client, url, code="c-a-moi"))
    assert response.status_code == 302
    assert Organization.objects.get(pk=cell.pk).code == "c-a-moi"
    assert history(cell) == before


def admission_url(admission):
    return reverse("admin:candidates_admission_change", args=[admission.pk])


def test_correcting_an_admissions_cell_and_ceremony_in_the_admin_moves_its_count(superuser_client, tree):
    cell_a, cell_b = tree["cell_a"], tree["cell_b"]
    admission = admit(cell_a, datetime.date(2024, 5, 10))
    assert (count(cell_a, 2024), count(cell_b, 2025)) == (1, 0)
    url = admission_url(admission)
    response = superuser_client.post(url, change_data(superuser_client, url, cell=cell_b.pk, admitted_on="03/03/2025"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert (count(cell_a, 2024), count(cell_a, 2025)) == (0, 0)
    assert (count(cell_b, 2024), count(cell_b, 2025)) == (0, 1)
    assert count(tree["commune"], 2024) == 0 and count(tree["commune"], 2025) == 1
    admission.refresh_from_db()
    assert (admission.cell, admission.admitted_on) == (cell_b, datetime.date(2025, 3, 3))
    assert admission.probation_ends_on == datetime.date(2026, 3, 3)


def test_an_admissions_occupation_and_decision_number_are_corrected_in_the_admin(superuser_client, tree):
    admission = admit(tree["cell_a"], datetime.date(2024, 5, 10))
    url = admission_url(admission)
    response = superuser_client.post(
        url, change_data(superuser_client, url, occupation_category="teacher", decision_number="QĐ-sửa")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    admission.refresh_from_db()
    assert (admission.occupation_category, admission.decision_number) == ("teacher", "QĐ-sửa")
    assert set(admission.credits.values_list("category", flat=True)) == {"teacher"}


def test_a_correction_the_service_refuses_comes_back_next_to_the_field(superuser_client, tree):
    admission = admit(tree["cell_a"], datetime.date(2024, 5, 10))
    url = admission_url(admission)
    response = superuser_client.post(url, change_data(superuser_client, url, admitted_on="01/05/2024", decision_number="X"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["admitted_on"]
    response = superuser_client.post(url, change_data(superuser_client, url, cell=tree["commune"].pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["cell"]
    admission.refresh_from_db()
    assert (admission.cell, admission.admitted_on, admission.decision_number) == (
        tree["cell_a"], datetime.date(2024, 5, 10), f"QĐ-{admission.candidate_id}",
    )
    assert count(tree["cell_a"], 2024) == 1


def test_an_admission_without_a_ceremony_keeps_its_date_read_only(superuser_client, tree):
    candidate = walk_to(CandidateFactory(home_cell=tree["cell_a"]), Stage.COMMITTEE_RESOLUTION, datetime.date(2024, 5, 1))
    admission = candidate_services.admission_record(
        candidate=candidate, cell=tree["cell_a"], decision_number="QĐ-1", decision_date=datetime.date(2024, 5, 10)
    )
    form = superuser_client.get(admission_url(admission)).context["adminform"].form
    assert "admitted_on" not in form.fields and "cell" in form.fields
    assert "candidate" not in form.fields and "decision_date" not in form.fields and "outcome" not in form.fields


def test_a_term_edited_in_the_admin_drops_its_stored_figures(superuser_client, terms):
    term = max(terms.values(), key=lambda t: t.start_date)
    organization = Organization.objects.get(code="thanh-hoa")
    ProgressSnapshot.objects.filter(organization=organization, period_key__in=[term.key, "2024"]).delete()
    for key in (term.key, "2024"):
        ProgressSnapshot.objects.create(organization=organization, period_key=key, admitted=7, computed_at=timezone.now())
    url = reverse("admin:cells_term_change", args=[term.pk])
    new_end = term.end_date - datetime.timedelta(days=1)
    response = superuser_client.post(url, change_data(superuser_client, url, end_date=new_end.strftime("%d/%m/%Y")))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Term.objects.get(pk=term.pk).end_date == new_end
    assert not ProgressSnapshot.objects.filter(period_key=term.key).exists()
    assert ProgressSnapshot.objects.filter(organization=organization, period_key="2024").exists()


def test_a_term_overlapping_another_comes_back_as_a_form_error(superuser_client, terms):
    earlier, later = sorted(terms.values(), key=lambda t: t.start_date)
    url = reverse("admin:cells_term_change", args=[later.pk])
    overlapping = earlier.end_date - datetime.timedelta(days=30)
    response = superuser_client.post(url, change_data(superuser_client, url, start_date=overlapping.strftime("%d/%m/%Y")))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert Term.objects.get(pk=later.pk).start_date == later.start_date


def test_a_term_refused_by_the_service_comes_back_as_a_form_error(superuser_client, terms, monkeypatch):
    """Whatever the service refuses after the form's own checks (another save in between) is shown too."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"end_date": "Đã có người sửa nhiệm kỳ này."})

    monkeypatch.setattr(services, "term_update", refuse)
    term = max(terms.values(), key=lambda t: t.start_date)
    url = reverse("admin:cells_term_change", args=[term.pk])
    response = superuser_client.post(url, change_data(superuser_client, url))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end_date"] == ["Đã có người sửa nhiệm kỳ này."]


def test_dragging_a_node_in_the_tree_still_moves_it_from_today(superuser_client, tree, other_commune):
    cell = tree["cell_a"]
    response = superuser_client.post(
        reverse("admin:cells_organization_changelist") + "move/", {"node": cell.pk, "target": other_commune.pk, "relation": "child"},
    )
    assert response.status_code == 200
    today = timezone.localdate()
    assert parent_on(cell, today) == other_commune
    assert parent_on(cell, today - datetime.timedelta(days=1)) == tree["commune"]


def test_an_admission_stays_read_only_where_it_should(superuser_client, tree):
    admission = admit(tree["cell_a"], datetime.date(2024, 5, 10))
    form = superuser_client.get(admission_url(admission)).context["adminform"].form
    assert {"cell", "admitted_on", "occupation_category", "decision_number"} <= set(form.fields)
    assert not {"candidate", "decision_date", "outcome", "outcome_on", "outcome_decision_number"} & set(form.fields)
    assert Admission.objects.filter(pk=admission.pk).exists()


def test_reverting_an_organization_to_an_older_version_goes_through_the_dated_services(superuser_client, tree):
    cell = tree["cell_b"]
    services.organization_update(
        organization=cell, name="Tên nhầm", kind=cell.kind, sector=cell.sector, effective_on=datetime.date(2026, 1, 1)
    )
    first = cell.history.earliest("history_date")
    url = reverse("admin:cells_organization_simple_history", args=[cell.pk, first.history_id])
    data = change_data(superuser_client, url, effective_on="01/02/2026")
    assert data["name"] == "Chi bộ ấp B"
    response = superuser_client.post(url, data)
    assert response.status_code == 302
    assert [(row[0], row[3]) for row in history(cell)] == [
        (None, "Chi bộ ấp B"), (datetime.date(2026, 1, 1), "Tên nhầm"), (datetime.date(2026, 2, 1), "Chi bộ ấp B"),
    ]


def test_a_revert_the_service_refuses_comes_back_as_an_error(superuser_client, tree):
    late = services.organization_create(
        code="c3", name="Xã mới lập", kind=Organization.Kind.GRASSROOTS_COMMITTEE, parent=tree["district"],
        effective_on=datetime.date(2025, 1, 1),
    )
    services.organization_update(
        organization=late, name="Xã đổi tên", kind=late.kind, sector=late.sector, effective_on=datetime.date(2025, 6, 1)
    )
    before = history(late)
    first = late.history.earliest("history_date")
    url = reverse("admin:cells_organization_simple_history", args=[late.pk, first.history_id])
    response = superuser_client.post(url, change_data(superuser_client, url, effective_on="01/06/2024"))
    assert response.status_code == 200
    assert "01/06/2024" in str(response.context["adminform"].form.errors["effective_on"])
    assert history(late) == before
