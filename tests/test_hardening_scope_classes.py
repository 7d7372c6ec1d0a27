"""Issue 20, scope: a class's attendees can come from several organizations; a reader sees only those
whose home cell is in their record scope, and no write reaches one outside the writer's staff scope."""
import datetime

import pytest
from django.utils.translation import ngettext

from candidates.models import ClassAttendance, Stage
from candidates.selectors import attendances_within
from candidates.services import class_create, class_enroll, class_record_results
from cells.models import Organization

from .factories import CandidateFactory, UserFactory, role


def org(code):
    return Organization.objects.get(code=code)


def hidden_text(count):
    return ngettext(
        "and %(count)s person from another organization", "and %(count)s people from other organizations", count
    ) % {"count": count}


@pytest.fixture
def mixed_class(db):
    """A Tân Đông class into which the district staff enrolled someone from Thủy Đông."""
    klass = class_create(name="Lớp Tân Đông 2026", organizer=org("tan-dong"), start_date=datetime.date(2026, 3, 2),
                         end_date=datetime.date(2026, 3, 6))
    inside = CandidateFactory(home_cell=org("tan-dong-ap-1"), full_name="Lâm Thị Trong", date_of_birth=datetime.date(1996, 4, 11))
    outside = CandidateFactory(home_cell=org("thuy-dong-ap-1"), full_name="Quách Văn Ngoài", date_of_birth=datetime.date(1997, 8, 23))
    return {
        "class": klass,
        "inside": class_enroll(awareness_class=klass, candidate=inside),
        "outside": class_enroll(awareness_class=klass, candidate=outside),
    }


def as_user(client, *roles):
    user = UserFactory()
    for code, name in roles:
        role(user, org(code), role=name)
    client.force_login(user)
    return client


def test_a_commune_secretary_sees_the_other_communes_attendee_as_a_count_only(client, mixed_class):
    page = as_user(client, ("tan-dong", "secretary")).get(f"/candidates/classes/{mixed_class['class'].pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lâm Thị Trong" in html and "11/04/1996" in html
    assert "Quách Văn Ngoài" not in html and "23/08/1997" not in html and "Chi bộ ấp Gò Gòn" not in html
    assert f"/candidates/{mixed_class['outside'].candidate_id}/" not in html
    assert hidden_text(1) in html
    assert [row["attendance"].pk for row in page.context["rows"]] == [mixed_class["inside"].pk]
    assert page.context["hidden_count"] == 1


def test_a_commune_staff_cannot_move_another_communes_attendee_to_trained_with_a_guessed_id(client, mixed_class):
    outside, inside = mixed_class["outside"], mixed_class["inside"]
    staff = as_user(client, ("tan-dong", "staff"))
    response = staff.post(f"/candidates/classes/{mixed_class['class'].pk}/results/", {
        f"result-{outside.pk}": "good", f"certificate-{outside.pk}": "2026/99",
        f"result-{inside.pk}": "passed", f"certificate-{inside.pk}": "2026/01",
    })
    assert response.status_code == 302
    outside.refresh_from_db()
    inside.refresh_from_db()
    assert (outside.result, outside.certificate_number, outside.candidate.stage) == ("pending", "", Stage.SOURCED)
    assert (inside.result, inside.candidate.stage) == ("passed", Stage.TRAINED)


def test_a_guessed_id_alone_saves_nothing(client, mixed_class):
    outside = mixed_class["outside"]
    staff = as_user(client, ("tan-dong", "staff"))
    staff.post(f"/candidates/classes/{mixed_class['class'].pk}/results/", {
        f"result-{outside.pk}": "excellent", f"certificate-{outside.pk}": "X-1",
    })
    outside.refresh_from_db()
    assert outside.result == "pending" and outside.candidate.stage == Stage.SOURCED


def test_the_results_service_ignores_rows_outside_the_writers_scope(mixed_class):
    outside, inside = mixed_class["outside"], mixed_class["inside"]
    saved = class_record_results(
        awareness_class=mixed_class["class"], roots=[org("tan-dong")],
        results=[(outside.pk, "good", "A-1"), (inside.pk, "good", "A-2")],
    )
    assert saved == 1
    assert ClassAttendance.objects.get(pk=outside.pk).result == "pending"
    assert ClassAttendance.objects.get(pk=inside.pk).result == "good"


def test_the_district_staff_sees_and_grades_everyone(client, mixed_class):
    outside = mixed_class["outside"]
    client.login(username="bantochuc", password="BanToChuc@2026")
    page = client.get(f"/candidates/classes/{mixed_class['class'].pk}/")
    html = page.content.decode()
    assert "Quách Văn Ngoài" in html and "Lâm Thị Trong" in html and hidden_text(1) not in html
    assert page.context["hidden_count"] == 0
    client.post(f"/candidates/classes/{mixed_class['class'].pk}/results/", {
        f"result-{outside.pk}": "good", f"certificate-{outside.pk}": "2026/07",
    })
    outside.refresh_from_db()
    assert outside.result == "good" and outside.candidate.stage == Stage.TRAINED


def test_someone_who_reads_an_attendee_but_is_not_their_staff_sees_the_row_without_a_field(client, mixed_class):
    outside, inside = mixed_class["outside"], mixed_class["inside"]
    user = as_user(client, ("tan-dong", "staff"), ("thuy-dong", "secretary"))
    page = user.get(f"/candidates/classes/{mixed_class['class'].pk}/")
    html = page.content.decode()
    assert "Quách Văn Ngoài" in html
    assert f'name="result-{inside.pk}"' in html and f'name="result-{outside.pk}"' not in html
    user.post(f"/candidates/classes/{mixed_class['class'].pk}/results/", {
        f"result-{outside.pk}": "good", f"certificate-{outside.pk}": "2026/07",
    })
    outside.refresh_from_db()
    assert outside.result == "pending"


def test_the_scope_rule_is_one_selector(mixed_class):
    klass = mixed_class["class"]
    assert list(attendances_within(klass, [org("tan-dong")])) == [mixed_class["inside"]]
    assert set(attendances_within(klass, [org("thanh-hoa")])) == {mixed_class["inside"], mixed_class["outside"]}
    assert list(attendances_within(klass, [])) == []


def test_the_class_list_still_counts_the_whole_class(client, mixed_class):
    page = as_user(client, ("tan-dong", "secretary")).get("/candidates/classes/")
    listed = next(c for c in page.context["classes"] if c.pk == mixed_class["class"].pk)
    assert listed.attendee_count == 2
