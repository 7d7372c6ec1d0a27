import pytest
from django.contrib import admin
from django.urls import reverse

from cells.models import Organization


@pytest.fixture
def admin_client_demo(client, db):
    client.login(username="admin", password="QuanTri@2026")
    return client


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_list_and_add_page_opens(admin_client_demo, model):
    opts = model._meta
    changelist = admin_client_demo.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        assert admin_client_demo.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_the_admin_refuses_a_cell_under_a_cell_with_a_message_next_to_the_field(admin_client_demo):
    cell = Organization.objects.get(code="tan-dong-ap-1")
    response = admin_client_demo.post(
        reverse("admin:cells_organization_add"),
        {"code": "bad", "name": "Chi bộ sai", "kind": "cell", "sector": "other", "parent": cell.pk},
    )
    assert response.status_code == 200
    assert "chi bộ không có tổ chức trực thuộc" in str(response.context["adminform"].form.errors["parent"])
    assert not Organization.objects.filter(code="bad").exists()


def test_the_admin_creates_an_organization_in_the_tree(admin_client_demo):
    commune = Organization.objects.get(code="tan-dong")
    response = admin_client_demo.post(
        reverse("admin:cells_organization_add"),
        {"code": "tan-dong-ap-moi", "name": "Chi bộ ấp Mới", "kind": "cell", "sector": "commune", "parent": commune.pk},
    )
    assert response.status_code == 302
    created = Organization.objects.get(code="tan-dong-ap-moi")
    assert Organization.objects.get_parent(created) == commune


def test_an_admissions_outcome_is_not_edited_in_the_admin(admin_client_demo):
    from candidates.models import Admission

    admission = Admission.objects.exclude(admitted_on=None).first()
    page = admin_client_demo.get(reverse("admin:candidates_admission_change", args=[admission.pk])).content.decode()
    assert 'name="decision_number"' in page
    assert 'name="outcome"' not in page and 'name="outcome_on"' not in page


def test_changing_a_persons_cell_in_the_admin_recomputes_both_cells(admin_client_demo):
    from candidates.models import Candidate, Stage
    from tracker.models import PendingRecompute

    candidate = Candidate.objects.filter(stage=Stage.SOURCED).select_related("home_cell").first()
    old_cell = candidate.home_cell
    other = Organization.objects.filter(kind=candidate.home_cell.kind, is_active=True).exclude(pk=candidate.home_cell_id).first()
    url = reverse("admin:candidates_candidate_change", args=[candidate.pk])
    form = admin_client_demo.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "mentors"}
    data.update(
        home_cell=other.pk, date_of_birth=candidate.date_of_birth.strftime("%d/%m/%Y"),
        **{f"stage_events-{key}": value for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()},
    )
    PendingRecompute.objects.all().delete()
    response = admin_client_demo.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    candidate.refresh_from_db()
    assert candidate.home_cell == other
    pending = set(PendingRecompute.objects.values_list("organization_id", flat=True))
    assert {old_cell.pk, other.pk, Organization.objects.get(code="thanh-hoa").pk} <= pending


def test_admissions_are_not_deleted_in_the_admin(admin_client_demo):
    from candidates.models import Admission

    admission = Admission.objects.first()
    assert admin_client_demo.get(reverse("admin:candidates_admission_delete", args=[admission.pk])).status_code == 403


def test_deleting_a_person_in_the_admin_recomputes_their_cell(admin_client_demo):
    from candidates.models import Candidate, Stage
    from tracker.models import PendingRecompute

    candidate = Candidate.objects.filter(stage=Stage.SOURCED).first()
    PendingRecompute.objects.all().delete()
    response = admin_client_demo.post(reverse("admin:candidates_candidate_delete", args=[candidate.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert PendingRecompute.objects.filter(organization_id=candidate.home_cell_id).exists()
