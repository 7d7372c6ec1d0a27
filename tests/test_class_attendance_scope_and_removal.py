"""Issue 22, awareness classes: a commune's staff see the district's classes their people attend, read only;
an attendee is taken off a class before a result is recorded (class_unenroll, with its history), by whoever
may change that attendee, and never once a result is in."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from candidates.models import ClassAttendance
from candidates.services import class_create, class_enroll, class_record_result, class_unenroll
from cells.models import Organization

from .factories import CandidateFactory, UserFactory, role


def org(code):
    return Organization.objects.get(code=code)


@pytest.fixture
def district_class(db):
    """A class of the district with one person of Tân Đông and one of Thủy Đông."""
    klass = class_create(name="Lớp huyện tháng 3", organizer=org("thanh-hoa"), start_date=datetime.date(2026, 3, 2),
                         end_date=datetime.date(2026, 3, 6))
    ours = CandidateFactory(home_cell=org("tan-dong-ap-1"), full_name="Đặng Thị Của Xã", date_of_birth=datetime.date(1998, 2, 3))
    theirs = CandidateFactory(home_cell=org("thuy-dong-ap-1"), full_name="Mai Văn Xã Khác", date_of_birth=datetime.date(1997, 7, 8))
    return {
        "class": klass,
        "ours": class_enroll(awareness_class=klass, candidate=ours),
        "theirs": class_enroll(awareness_class=klass, candidate=theirs),
    }


def as_user(client, code, role_name):
    user = UserFactory()
    role(user, org(code), role=role_name)
    client.force_login(user)
    return client, user


def test_commune_staff_find_the_district_class_their_people_attend_in_their_list(client, district_class):
    commune, _user = as_user(client, "tan-dong", "staff")
    response = commune.get("/candidates/classes/")
    listed = {c.pk: c for c in response.context["classes"]}
    assert district_class["class"].pk in listed and listed[district_class["class"].pk].from_above
    assert "Lớp huyện tháng 3" in response.content.decode()


def test_a_district_class_without_their_people_stays_out_of_their_sight(client, district_class):
    other = class_create(name="Lớp huyện không ai của xã", organizer=org("thanh-hoa"),
                         start_date=datetime.date(2026, 4, 6), end_date=datetime.date(2026, 4, 10))
    class_enroll(awareness_class=other, candidate=district_class["theirs"].candidate)
    commune, _user = as_user(client, "tan-dong", "staff")
    assert other.pk not in {c.pk for c in commune.get("/candidates/classes/").context["classes"]}
    assert commune.get(f"/candidates/classes/{other.pk}/").status_code == 404
    assert commune.get(f"/candidates/classes/{other.pk}/attendees.xlsx").status_code == 404


def test_commune_staff_read_the_district_class_with_their_people_only_and_change_nothing(client, district_class):
    commune, _user = as_user(client, "tan-dong", "staff")
    klass, ours, theirs = district_class["class"], district_class["ours"], district_class["theirs"]
    response = commune.get(f"/candidates/classes/{klass.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đặng Thị Của Xã" in html and "Mai Văn Xã Khác" not in html and response.context["hidden_count"] == 1
    assert 'id="class-read-only"' in html
    assert f'name="result-{ours.pk}"' not in html and "results-form" in html and not response.context["any_editable"]
    assert 'id="unenroll-form"' not in html and 'name="candidate"' not in html  # no adding, no removing
    # Hand-made posts change nothing: the class is the district's.
    for path, body in (
        ("results", {f"result-{ours.pk}": "passed", f"certificate-{ours.pk}": "X-1"}),
        ("unenroll", {"attendance": ours.pk}),
        ("enroll", {"candidate": ours.candidate_id}),
        ("roster", {"roster": "Đặng Thị Của Xã; 03/02/1998"}),
    ):
        assert commune.post(f"/candidates/classes/{klass.pk}/{path}/", body).status_code == 404, path
    ours.refresh_from_db()
    assert ours.result == "pending" and ClassAttendance.objects.filter(awareness_class=klass).count() == 2


def test_the_export_of_the_district_class_names_only_the_communes_people(client, district_class):
    import io

    import openpyxl

    commune, _user = as_user(client, "tan-dong", "staff")
    klass = district_class["class"]
    workbook = openpyxl.load_workbook(io.BytesIO(commune.get(f"/candidates/classes/{klass.pk}/attendees.xlsx").content))
    names = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["Đặng Thị Của Xã"]


def test_classes_of_another_commune_or_read_by_a_secretary_stay_as_they_were(client, db):
    """Following one's people into a class above is the board staff's: a class of a sibling commune stays out
    of sight (issue 20), and so does the commune's class for a cell's secretary."""
    klass = class_create(name="Lớp xã Tân Đông", organizer=org("tan-dong"), start_date=datetime.date(2026, 3, 2),
                         end_date=datetime.date(2026, 3, 6))
    class_enroll(awareness_class=klass, candidate=CandidateFactory(home_cell=org("tan-dong-ap-1")))
    class_enroll(awareness_class=klass, candidate=CandidateFactory(home_cell=org("thuy-dong-ap-1")))
    for code, role_name in (("thuy-dong", "staff"), ("thuy-dong", "secretary"), ("tan-dong-ap-1", "secretary")):
        reader, _user = as_user(client, code, role_name)
        assert reader.get(f"/candidates/classes/{klass.pk}/").status_code == 404, (code, role_name)
        assert klass.pk not in {c.pk for c in reader.get("/candidates/classes/").context["classes"]}


def test_the_district_staff_remove_an_attendee_before_any_result(client, district_class):
    client.login(username="bantochuc", password="BanToChuc@2026")
    klass, ours = district_class["class"], district_class["ours"]
    html = client.get(f"/candidates/classes/{klass.pk}/").content.decode()
    assert 'id="unenroll-form"' in html
    assert f'form="unenroll-form" name="attendance" value="{ours.pk}"' in html
    response = client.post(f"/candidates/classes/{klass.pk}/unenroll/", {"attendance": ours.pk})
    assert response.status_code == 302
    assert not ClassAttendance.objects.filter(pk=ours.pk).exists()
    removed = ClassAttendance.history.filter(id=ours.pk, history_type="-").get()
    assert removed.history_user.username == "bantochuc"
    assert ours.candidate.classes.count() == 0 and ours.candidate.pk  # the person stays in the records
    page = client.get(f"/candidates/classes/{klass.pk}/").content.decode()
    table = page[page.index('id="attendees"'): page.index("</table>")]
    assert "Đặng Thị Của Xã" not in table and "Mai Văn Xã Khác" in table


def test_an_attendee_with_a_result_stays_and_has_no_remove_button(client, district_class):
    klass, ours, theirs = district_class["class"], district_class["ours"], district_class["theirs"]
    class_record_result(attendance=ours, result=ClassAttendance.Result.ABSENT)
    client.login(username="bantochuc", password="BanToChuc@2026")
    html = client.get(f"/candidates/classes/{klass.pk}/").content.decode()
    assert f'name="attendance" value="{ours.pk}"' not in html
    assert f'name="attendance" value="{theirs.pk}"' in html
    response = client.post(f"/candidates/classes/{klass.pk}/unenroll/", {"attendance": ours.pk}, follow=True)
    assert ClassAttendance.objects.filter(pk=ours.pk).exists()
    assert "Đặng Thị Của Xã" in " ".join(str(m) for m in response.context["messages"])


def test_the_service_refuses_once_a_result_is_recorded(district_class):
    ours = district_class["ours"]
    class_record_result(attendance=ours, result=ClassAttendance.Result.FAILED)
    with pytest.raises(ValidationError):
        class_unenroll(attendance=ours)
    assert ClassAttendance.objects.filter(pk=ours.pk).exists()
    theirs = district_class["theirs"]
    class_unenroll(attendance=theirs)
    with pytest.raises(ValidationError):  # twice: already gone
        class_unenroll(attendance=theirs)


def test_on_a_mixed_class_staff_remove_only_the_attendees_of_their_scope(client, db):
    """A Tân Đông class with someone of Thủy Đông the district enrolled: Tân Đông's staff may remove their own."""
    klass = class_create(name="Lớp xã Tân Đông", organizer=org("tan-dong"), start_date=datetime.date(2026, 3, 2),
                         end_date=datetime.date(2026, 3, 6))
    ours = class_enroll(awareness_class=klass, candidate=CandidateFactory(home_cell=org("tan-dong-ap-2")))
    theirs = class_enroll(awareness_class=klass, candidate=CandidateFactory(home_cell=org("thuy-dong-ap-2")))
    commune, _user = as_user(client, "tan-dong", "staff")
    html = commune.get(f"/candidates/classes/{klass.pk}/").content.decode()
    assert f'value="{ours.pk}"' in html and f'value="{theirs.pk}"' not in html
    assert commune.post(f"/candidates/classes/{klass.pk}/unenroll/", {"attendance": theirs.pk}).status_code == 404
    assert commune.post(f"/candidates/classes/{klass.pk}/unenroll/", {"attendance": "abc"}).status_code == 400
    assert ClassAttendance.objects.filter(pk=theirs.pk).exists()
    assert commune.post(f"/candidates/classes/{klass.pk}/unenroll/", {"attendance": ours.pk}).status_code == 302
    assert not ClassAttendance.objects.filter(pk=ours.pk).exists()


def test_a_secretary_may_not_remove_anyone(client, district_class):
    klass, ours = district_class["class"], district_class["ours"]
    secretary, _user = as_user(client, "thanh-hoa", "secretary")
    assert 'id="unenroll-form"' not in secretary.get(f"/candidates/classes/{klass.pk}/").content.decode()
    assert secretary.post(f"/candidates/classes/{klass.pk}/unenroll/", {"attendance": ours.pk}).status_code == 404
    assert ClassAttendance.objects.filter(pk=ours.pk).exists()
