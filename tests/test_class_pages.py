import pytest

from candidates.models import AwarenessClass, Candidate, ClassAttendance, Stage
from cells.models import Organization

from .factories import CandidateFactory


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def new_class(staff):
    response = staff.post("/candidates/classes/new/", {
        "name": "Lớp nhận thức đợt 3/2026", "organizer": Organization.objects.get(code="thanh-hoa").pk,
        "start_date": "02/11/2026", "end_date": "06/11/2026", "place": "Trung tâm Chính trị",
    })
    awareness_class = AwarenessClass.objects.get(name="Lớp nhận thức đợt 3/2026")
    assert response.url == f"/candidates/classes/{awareness_class.pk}/"
    return awareness_class


def cell():
    return Organization.objects.get(code="tan-dong-ap-1")


def test_a_class_that_ends_before_it_starts_is_refused(staff):
    response = staff.post("/candidates/classes/new/", {
        "name": "Sai", "organizer": Organization.objects.get(code="thanh-hoa").pk,
        "start_date": "06/11/2026", "end_date": "02/11/2026",
    })
    assert "end_date" in response.context["form"].errors
    assert not AwarenessClass.objects.filter(name="Sai").exists()


def test_staff_finds_and_adds_someone_already_in_the_records(staff, new_class):
    person = CandidateFactory(home_cell=cell(), full_name="Lâm Thị Bích Ngọc")
    page = staff.get(f"/candidates/classes/{new_class.pk}/?q=Bích Ngọc")
    assert list(page.context["found"]) == [person]
    staff.post(f"/candidates/classes/{new_class.pk}/enroll/", {"candidate": person.pk})
    assert new_class.attendances.get().candidate == person


def test_someone_new_is_added_to_the_records_and_the_class_at_once(staff, new_class):
    staff.post(f"/candidates/classes/{new_class.pk}/add-person/", {
        "new-full_name": "Đinh Công Khoa", "new-date_of_birth": "01/02/2001", "new-gender": "male",
        "new-ethnicity": "Kinh", "new-religion": "Không", "new-education_level": "upper_secondary",
        "new-occupation_category": "youth_union", "new-home_cell": cell().pk, "new-source": "youth_union",
        "new-sourced_on": "01/10/2026",
    })
    assert new_class.attendances.get().candidate.full_name == "Đinh Công Khoa"


def test_a_pasted_roster_is_all_or_nothing_with_a_message_per_line(staff, new_class):
    a = CandidateFactory(home_cell=cell(), full_name="Phan Văn Tài")
    b = CandidateFactory(home_cell=cell(), full_name="Hồ Thị Lan")
    bad = staff.post(f"/candidates/classes/{new_class.pk}/roster/", {
        "roster": f"Phan Văn Tài; {a.date_of_birth:%d/%m/%Y}\nKhông Có Ai; 01/01/1990\nHồ Thị Lan; 1990-13-01",
    })
    errors = str(bad.context["roster_form"].errors["roster"])
    assert "Dòng 2" in errors and "Dòng 3" in errors
    assert new_class.attendances.count() == 0
    staff.post(f"/candidates/classes/{new_class.pk}/roster/", {
        "roster": f"phan văn  tài; {a.date_of_birth:%d/%m/%Y}\nHồ Thị Lan\t{b.date_of_birth:%d/%m/%Y}",
    })
    assert set(new_class.attendances.values_list("candidate__full_name", flat=True)) == {"Phan Văn Tài", "Hồ Thị Lan"}


def test_the_results_table_saves_all_rows_or_none(staff, new_class):
    people = [CandidateFactory(home_cell=cell()) for _ in range(2)]
    for person in people:
        staff.post(f"/candidates/classes/{new_class.pk}/enroll/", {"candidate": person.pk})
    first, second = new_class.attendances.order_by("pk")
    bad = staff.post(f"/candidates/classes/{new_class.pk}/results/", {
        f"result-{first.pk}": "good", f"certificate-{first.pk}": "2026/01",
        f"result-{second.pk}": "passed", f"certificate-{second.pk}": "",
    })
    assert bad.status_code == 400
    row = next(r for r in bad.context["rows"] if r["attendance"].pk == second.pk)
    assert "số giấy chứng nhận" in " ".join(row["errors"])
    assert not ClassAttendance.objects.exclude(result="pending").filter(awareness_class=new_class).exists()
    staff.post(f"/candidates/classes/{new_class.pk}/results/", {
        f"result-{first.pk}": "good", f"certificate-{first.pk}": "2026/01",
        f"result-{second.pk}": "failed", f"certificate-{second.pk}": "",
    })
    assert Candidate.objects.get(pk=first.candidate_id).stage == Stage.TRAINED
    assert Candidate.objects.get(pk=second.candidate_id).stage == Stage.SOURCED


def test_a_secretary_reads_classes_but_cannot_change_them(client, new_class):
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    assert client.get(f"/candidates/classes/{new_class.pk}/").context["can_change"] is False
    assert client.post(f"/candidates/classes/{new_class.pk}/roster/", {"roster": "x; 01/01/2000"}).status_code == 404


def test_a_refusal_when_adding_someone_new_shows_next_to_its_field(staff, new_class, monkeypatch):
    from django.core.exceptions import ValidationError

    from candidates import services

    def refuses(**kwargs):
        raise ValidationError({"date_of_birth": "Chưa đủ 18 tuổi.", "stage_date": "Không thuộc biểu mẫu."})

    monkeypatch.setattr(services, "candidate_create_and_enroll", refuses)
    response = staff.post(f"/candidates/classes/{new_class.pk}/add-person/", {
        "new-full_name": "Đinh Công Khoa", "new-date_of_birth": "01/02/2001", "new-gender": "male",
        "new-ethnicity": "Kinh", "new-religion": "Không", "new-education_level": "upper_secondary",
        "new-occupation_category": "youth_union", "new-home_cell": cell().pk, "new-source": "youth_union",
        "new-sourced_on": "01/10/2026",
    })
    form = response.context["new_person_form"]
    assert response.status_code == 400
    assert form.errors["date_of_birth"] == ["Chưa đủ 18 tuổi."]
    assert form.non_field_errors() == ["Không thuộc biểu mẫu."]  # a field the form lacks: above it, not a crash
    assert not new_class.attendances.exists()
