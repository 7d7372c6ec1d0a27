"""Malformed requests answer 400 with a message, never 500: an enrolment without a valid person, a year
outside the calendar in the candidate filter, and a NUL character anywhere in a query string, a form
field or the Authorization header (PostgreSQL refuses a NUL in a query: run this file on it too)."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import services
from candidates.models import ClassAttendance, Stage
from cells.models import Organization
from tracker.models import ApiToken

from .factories import CandidateFactory

NUL_MESSAGE = "The request holds a null character (NUL), which no field accepts: remove it and try again."


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def past_class(db):
    today = timezone.localdate()
    return services.class_create(
        name="Lớp đã học xong", organizer=Organization.objects.get(code="thanh-hoa"),
        start_date=today - datetime.timedelta(days=10), end_date=today - datetime.timedelta(days=6),
    )


def person():
    return CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"), full_name="Phan Thị Thu Hà")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---- enrolling ---------------------------------------------------------------------------

@pytest.mark.parametrize("candidate", ["", "abc", "-1", "0", "1.5", "99999999999999999999", "1e3"])
def test_enrolling_without_a_valid_person_answers_400_with_a_message(staff, past_class, candidate):
    response = staff.post(f"/candidates/classes/{past_class.pk}/enroll/", {"candidate": candidate})
    assert response.status_code == 400
    assert messages_of(response) == [_("Choose the person to add from the search results.")]
    assert past_class.attendances.count() == 0


def test_enrolling_without_the_field_answers_400(staff, past_class):
    response = staff.post(f"/candidates/classes/{past_class.pk}/enroll/", {})
    assert response.status_code == 400
    assert past_class.attendances.count() == 0


def test_enrolling_a_real_person_still_works(staff, past_class):
    someone = person()
    response = staff.post(f"/candidates/classes/{past_class.pk}/enroll/", {"candidate": str(someone.pk)})
    assert response.status_code == 302
    assert list(past_class.attendances.values_list("candidate_id", flat=True)) == [someone.pk]


# ---- the candidate list's year --------------------------------------------------------------

@pytest.mark.parametrize("year", ["0", "-1", "10001", "65536", "1915", "99999999999999999999999", "2023.5"])
def test_a_year_outside_the_calendar_shows_a_message_next_to_the_filter(staff, year):
    response = staff.get("/candidates/", {"year": year})
    assert response.status_code == 400
    errors = response.context["filter"].form.errors["year"]
    if year == "2023.5":
        assert errors == [_("Enter a whole number.")]
    else:
        last = timezone.localdate().year
        assert errors == [_("Enter a year between %(first)d and %(last)d.") % {"first": 1916, "last": last}]
    assert list(response.context["page"]) == []
    # The export of a filter that cannot be applied is not the whole list either.
    assert staff.get("/candidates/", {"year": year, "export": "xlsx"}).status_code == 400


def test_a_year_in_the_window_still_filters(staff):
    someone = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"), sourced_on=datetime.date(2023, 1, 10))
    response = staff.get("/candidates/", {"year": "2023", "org": "tan-dong-ap-1"})
    assert response.status_code == 200
    assert someone.pk in [c.pk for c in response.context["page"]]


# ---- NUL characters ------------------------------------------------------------------------

@pytest.mark.parametrize("url, query", [
    ("/candidates/", {"q": "Nguy\x00ễn"}),
    ("/candidates/", {"org": "tan-dong\x00"}),
    ("/candidates/search/cells/", {"q": "\x00"}),
    ("/candidates/search/members/", {"q": "ab\x00"}),
    ("/candidates/deadlines/", {"org": "\x00"}),
    ("/candidates/", {"q\x00": "x"}),
    ("/org/thanh-hoa/", {"period": "2023\x00"}),
])
def test_a_nul_in_a_query_string_answers_400_with_a_message(staff, url, query):
    response = staff.get(url, query)
    assert response.status_code == 400
    assert _(NUL_MESSAGE) in response.content.decode()


def test_a_nul_in_a_class_page_search_answers_400(staff, past_class):
    response = staff.get(f"/candidates/classes/{past_class.pk}/", {"q": "Hà\x00"})
    assert response.status_code == 400
    assert _(NUL_MESSAGE) in response.content.decode()


def test_a_nul_in_a_certificate_number_answers_400_and_saves_nothing(staff, past_class):
    attendance = services.class_enroll(awareness_class=past_class, candidate=person())
    response = staff.post(f"/candidates/classes/{past_class.pk}/results/", {
        f"result-{attendance.pk}": ClassAttendance.Result.GOOD, f"certificate-{attendance.pk}": "12\x0034",
    })
    assert response.status_code == 400
    assert _(NUL_MESSAGE) in response.content.decode()
    attendance.refresh_from_db()
    assert (attendance.result, attendance.certificate_number) == (ClassAttendance.Result.PENDING, "")
    assert attendance.candidate.stage == Stage.SOURCED


def test_a_nul_in_a_form_field_name_answers_400(staff, past_class):
    response = staff.post(f"/candidates/classes/{past_class.pk}/results/", {"result-\x00": "good"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", [{"org": "\x00", "period": "2023"}, {"org": "thanh-hoa", "period": "20\x0023"}])
def test_a_nul_in_the_api_answers_400_in_json(staff, query):
    response = staff.get("/api/v1/progress/", query)
    assert response.status_code == 400
    assert response.json() == {"error": _(NUL_MESSAGE)}


def test_a_token_holding_a_nul_answers_400_in_json(client, db):
    token = ApiToken.objects.create(user=get_user_model().objects.get(username="bithu.tandong"))
    response = client.get(
        "/api/v1/progress/", {"org": "tan-dong", "period": "2023"}, HTTP_AUTHORIZATION=f"Token {token.key}\x00"
    )
    assert response.status_code == 400
    assert response.json() == {"error": _(NUL_MESSAGE)}
    # The same token without it still opens the API.
    ok = client.get("/api/v1/progress/", {"org": "tan-dong", "period": "2023"}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ok.status_code == 200


def test_a_nul_on_the_login_page_answers_400(client, db):
    response = client.post("/accounts/login/", {"username": "bantochuc\x00", "password": "x"})
    assert response.status_code == 400
