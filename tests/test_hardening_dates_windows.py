"""Every date a person types falls in a sensible window, checked by the form (a message next to the
field) and again by the service, so that the admin, the imports and the commands are held to it too."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import imports, services
from candidates.models import Admission, AwarenessClass, Candidate, ClassAttendance, DossierDocument, Stage, StageEvent
from cells import services as cell_services
from cells.dates import years_after
from cells.models import Organization

from .factories import CandidateFactory, OrganizationFactory, admit, walk_to

D = datetime.date
NEW_PERSON = {
    "full_name": "Võ Thị Mỹ Duyên", "date_of_birth": "15/03/2000", "gender": "female", "ethnicity": "Kinh",
    "religion": "Không", "education_level": "university", "national_id": "", "occupation_category": "teacher",
    "source": "school", "notes": "", "sourced_on": "05/01/2026",
}


def fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def today() -> datetime.date:
    return timezone.localdate()


def birth_message() -> str:
    return _("Enter a date of birth between %(start)s and %(end)s (at least %(years)d years ago).") % {
        "start": "01/01/1900", "end": fmt(years_after(today(), -16)), "years": 16,
    }


def after_today_message() -> str:
    return _("This date is after today (%(today)s): record a step once it has happened.") % {"today": fmt(today())}


def under_16_message(born: datetime.date) -> str:
    return _("This date is before %(start)s, when the person turned %(years)d.") % {
        "start": fmt(years_after(born, 16)), "years": 16,
    }


def planned_message() -> str:
    return _("Enter a date between %(start)s and %(end)s (at most a year from today).") % {
        "start": "01/01/1930", "end": fmt(years_after(today(), 1)),
    }


def cell(code="tan-dong-ap-1"):
    return Organization.objects.get(code=code)


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def admin_client_demo(client, db):
    client.login(username="admin", password="QuanTri@2026")
    return client


def test_years_after_keeps_the_day_and_never_leaves_the_calendar():
    assert years_after(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert years_after(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert years_after(D(2026, 12, 3), -16) == D(2010, 12, 3)
    assert years_after(D(9999, 12, 31), 16) == datetime.date.max
    assert years_after(D(5, 1, 1), -16) == datetime.date.min


# ---- date of birth and the day sourced ------------------------------------------------------

@pytest.mark.parametrize("born", ["31/12/1899", "15/03/0001", "31/12/9999", "TOMORROW", "SIXTEEN_MINUS_ONE_DAY"])
def test_the_candidate_form_refuses_a_birth_date_outside_1900_to_16_years_ago(staff, born):
    if born == "TOMORROW":
        born = fmt(today() + datetime.timedelta(days=1))
    elif born == "SIXTEEN_MINUS_ONE_DAY":
        born = fmt(years_after(today(), -16) + datetime.timedelta(days=1))
    before = Candidate.objects.count()
    response = staff.post("/candidates/new/", {**NEW_PERSON, "date_of_birth": born, "home_cell": cell().pk})
    assert response.status_code == 200
    assert response.context["form"].errors["date_of_birth"] == [birth_message()]
    assert Candidate.objects.count() == before


def test_the_candidate_form_accepts_the_windows_edges(staff):
    born = years_after(today(), -16)
    response = staff.post("/candidates/new/", {
        **NEW_PERSON, "full_name": "Người Vừa Mười Sáu", "date_of_birth": fmt(born), "sourced_on": fmt(today()),
        "home_cell": cell().pk,
    })
    assert response.status_code == 302
    assert Candidate.objects.get(full_name="Người Vừa Mười Sáu").stage_date == today()
    response = staff.post("/candidates/new/", {
        **NEW_PERSON, "full_name": "Cụ Sinh Năm 1900", "date_of_birth": "01/01/1900", "sourced_on": "01/01/1916",
        "home_cell": cell().pk,
    })
    assert response.status_code == 302


def test_the_candidate_form_refuses_a_sourcing_date_after_today_or_before_16(staff):
    tomorrow = today() + datetime.timedelta(days=1)
    response = staff.post("/candidates/new/", {**NEW_PERSON, "sourced_on": fmt(tomorrow), "home_cell": cell().pk})
    assert response.context["form"].errors["sourced_on"] == [after_today_message()]
    response = staff.post("/candidates/new/", {**NEW_PERSON, "sourced_on": "14/03/2016", "home_cell": cell().pk})
    assert response.context["form"].errors["sourced_on"] == [under_16_message(D(2000, 3, 15))]
    assert not Candidate.objects.filter(full_name="Võ Thị Mỹ Duyên").exists()


def test_the_service_refuses_a_person_born_or_sourced_in_9999(db):
    with pytest.raises(ValidationError) as refused:
        CandidateFactory(home_cell=cell(), date_of_birth=D(9999, 12, 31), sourced_on=D(9999, 12, 31))
    assert refused.value.message_dict == {
        "date_of_birth": [birth_message()], "sourced_on": [after_today_message()],
    }
    with pytest.raises(ValidationError) as refused:
        CandidateFactory(home_cell=cell(), date_of_birth=D(1995, 5, 17), sourced_on=D(2010, 1, 1))
    assert refused.value.message_dict == {"sourced_on": [under_16_message(D(1995, 5, 17))]}


def test_an_import_row_born_too_late_gets_the_message_in_its_row(db):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([str(label) for _key, label in imports.CANDIDATE_COLUMNS])
    born = fmt(today() - datetime.timedelta(days=365))
    sheet.append(["Trẻ Quá Tuổi", born, "male", "Kinh", "Không", "university", "", "teacher", "tan-dong-ap-1", "", fmt(today())])
    buffer = io.BytesIO()
    book.save(buffer)
    [row] = imports.validate_candidates(buffer.getvalue(), roots=[Organization.objects.get(code="thanh-hoa")])
    label = dict(imports.CANDIDATE_COLUMNS)["date_of_birth"]
    assert f"{label}: {birth_message()}" in row.errors


def test_editing_a_birth_date_that_makes_the_person_under_16_at_their_first_step_is_refused(staff):
    candidate = CandidateFactory(home_cell=cell(), date_of_birth=D(1995, 5, 17), sourced_on=D(2023, 1, 10))
    form = staff.get(f"/candidates/{candidate.pk}/edit/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"date_of_birth": "01/06/2008", "home_cell": candidate.home_cell_id, "mentors": []})
    response = staff.post(f"/candidates/{candidate.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["date_of_birth"] == [
        _("The person would have been under %(years)d at their first step (%(date)s).") % {"years": 16, "date": "10/01/2023"}
    ]
    assert Candidate.objects.get(pk=candidate.pk).date_of_birth == D(1995, 5, 17)


# ---- steps, dossier forms, the decision, the ceremony, the end of probation ---------------

def test_the_step_form_refuses_a_step_on_31_12_9999_next_to_the_field(staff):
    candidate = CandidateFactory(home_cell=cell())
    response = staff.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.TRAINED, "occurred_on": "31/12/9999"})
    assert response.status_code == 400
    assert response.context["step_form"].errors["occurred_on"] == [after_today_message()]
    assert not StageEvent.objects.filter(candidate=candidate, stage=Stage.TRAINED).exists()


def test_the_step_form_refuses_a_step_before_the_person_turned_16(staff):
    candidate = CandidateFactory(home_cell=cell(), date_of_birth=D(1995, 5, 17), sourced_on=D(2023, 1, 10))
    candidate.stage_date = D(2000, 1, 1)  # as if sourced earlier: the window, not the order, must refuse it
    candidate.save(update_fields=["stage_date"])
    response = staff.post(f"/candidates/{candidate.pk}/step/", {"stage": Stage.TRAINED, "occurred_on": "16/05/2011"})
    assert response.status_code == 400
    assert response.context["step_form"].errors["occurred_on"] == [under_16_message(D(1995, 5, 17))]


def test_the_dossier_form_refuses_a_form_received_tomorrow(staff):
    candidate = CandidateFactory(home_cell=cell())
    tomorrow = today() + datetime.timedelta(days=1)
    response = staff.post(f"/candidates/{candidate.pk}/documents/", {"doc-form_code": "1-KNĐ", "doc-received_on": fmt(tomorrow)})
    assert response.status_code == 400
    assert response.context["document_form"].errors["received_on"] == [after_today_message()]
    assert not candidate.documents.exists()


def test_the_services_refuse_steps_and_forms_out_of_their_window(db):
    candidate = CandidateFactory(home_cell=cell())
    with pytest.raises(ValidationError) as refused:
        services.candidate_advance(candidate=candidate, stage=Stage.TRAINED, occurred_on=D(9999, 12, 31))
    assert refused.value.message_dict == {"occurred_on": [after_today_message()]}
    with pytest.raises(ValidationError) as refused:
        services.dossier_add(candidate=candidate, form_code="1-KNĐ", received_on=D(2005, 1, 1))
    assert refused.value.message_dict == {"received_on": [under_16_message(candidate.date_of_birth)]}
    assert not candidate.stage_events.filter(stage=Stage.TRAINED).exists() and not candidate.documents.exists()


def test_the_decision_and_the_ceremony_cannot_be_dated_after_today(db):
    candidate = walk_to(CandidateFactory(home_cell=cell()), Stage.COMMITTEE_RESOLUTION, D(2023, 6, 1))
    far = D(9999, 12, 31)
    with pytest.raises(ValidationError) as refused:
        services.admission_record(candidate=candidate, cell=candidate.home_cell, decision_number="1-QĐ", decision_date=far)
    assert refused.value.message_dict == {"decision_date": [after_today_message()]}
    admission = services.admission_record(
        candidate=candidate, cell=candidate.home_cell, decision_number="1-QĐ", decision_date=D(2023, 7, 1)
    )
    with pytest.raises(ValidationError) as refused:
        services.admission_hold_ceremony(admission=admission, admitted_on=far)
    assert refused.value.message_dict == {"admitted_on": [after_today_message()]}
    admission.refresh_from_db()
    assert admission.admitted_on is None and admission.probation_ends_on is None


def test_the_end_of_probation_cannot_be_dated_after_today(db):
    admission = admit(cell(), D(2024, 3, 1))
    tomorrow = today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.admission_conclude(admission=admission, outcome=Admission.Outcome.FULL_MEMBER, outcome_on=tomorrow)
    assert refused.value.message_dict == {"outcome_on": [after_today_message()]}
    assert Admission.objects.get(pk=admission.pk).outcome == Admission.Outcome.PROBATION


def test_a_pass_is_not_recorded_before_the_class_ends(db):
    start = today() + datetime.timedelta(days=10)
    awareness_class = services.class_create(
        name="Lớp sắp mở", organizer=Organization.objects.get(code="thanh-hoa"), start_date=start,
        end_date=start + datetime.timedelta(days=4),
    )
    attendance = services.class_enroll(awareness_class=awareness_class, candidate=CandidateFactory(home_cell=cell()))
    with pytest.raises(ValidationError) as refused:
        services.class_record_result(attendance=attendance, result=ClassAttendance.Result.GOOD, certificate_number="01")
    assert refused.value.message_dict == {"result": [
        _("The class ends on %(date)s: record who passed from that day on.") % {"date": fmt(awareness_class.end_date)}
    ]}
    assert attendance.candidate.stage_events.filter(stage=Stage.TRAINED).count() == 0


# ---- dates that may be planned: classes and restructuring ---------------------------------

@pytest.mark.parametrize("start", ["31/12/1929", "A_YEAR_AND_A_DAY", "31/12/9999"])
def test_the_class_form_refuses_a_start_date_out_of_the_planning_window(staff, start):
    if start == "A_YEAR_AND_A_DAY":
        start = fmt(years_after(today(), 1) + datetime.timedelta(days=1))
    response = staff.post("/candidates/classes/new/", {
        "name": "Lớp sai ngày", "organizer": Organization.objects.get(code="thanh-hoa").pk,
        "start_date": start, "end_date": "31/12/9999",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == [planned_message()]
    assert response.context["form"].errors["end_date"] == [planned_message()]
    assert not AwarenessClass.objects.filter(name="Lớp sai ngày").exists()


def test_a_class_may_be_planned_up_to_a_year_ahead(staff):
    last = years_after(today(), 1)
    response = staff.post("/candidates/classes/new/", {
        "name": "Lớp năm sau", "organizer": Organization.objects.get(code="thanh-hoa").pk,
        "start_date": fmt(last), "end_date": fmt(last),
    })
    assert response.status_code == 302
    assert AwarenessClass.objects.get(name="Lớp năm sau").start_date == last


def test_the_class_service_refuses_dates_out_of_the_planning_window(db):
    with pytest.raises(ValidationError) as refused:
        services.class_create(
            name="Lớp 9999", organizer=Organization.objects.get(code="thanh-hoa"),
            start_date=D(1929, 12, 31), end_date=D(9999, 12, 31),
        )
    assert refused.value.message_dict == {"start_date": [planned_message()], "end_date": [planned_message()]}


def test_restructuring_refuses_an_effective_date_out_of_the_planning_window(tree):
    too_late = years_after(today(), 1) + datetime.timedelta(days=1)
    refusals = {
        "move": lambda day: cell_services.organization_move(
            organization=tree["cell_b"], new_parent=tree["district"], effective_on=day),
        "merge": lambda day: cell_services.organization_merge(source=tree["cell_b"], into=tree["cell_a"], effective_on=day),
        "split": lambda day: cell_services.organization_split(
            source=tree["commune"], code="c2", name="Xã mới", units=[tree["cell_b"]], effective_on=day),
        "deactivate": lambda day: cell_services.organization_deactivate(organization=tree["cell_b"], effective_on=day),
    }
    for what, restructure in refusals.items():
        for day in (too_late, D(1929, 12, 31), D(9999, 12, 31)):
            with pytest.raises(ValidationError) as refused:
                restructure(day)
            assert refused.value.message_dict == {"effective_on": [planned_message()]}, what
    cell_b = Organization.objects.get(pk=tree["cell_b"].pk)
    assert cell_b.is_active and Organization.objects.get_parent(cell_b) == tree["commune"]
    assert not Organization.objects.filter(code="c2").exists()
    # A year ahead is still a plan.
    closed = cell_services.organization_deactivate(organization=tree["cell_b"], effective_on=years_after(today(), 1))
    assert closed.deactivated_on == years_after(today(), 1)


# ---- the admin ---------------------------------------------------------------------------

def test_the_admin_refuses_a_birth_date_in_9999_next_to_the_field(admin_client_demo):
    response = admin_client_demo.post(reverse("admin:candidates_candidate_add"), {
        "full_name": "Người Tương Lai", "date_of_birth": "31/12/9999", "gender": "male", "ethnicity": "Kinh",
        "religion": "Không", "education_level": "university", "occupation_category": "teacher",
        "home_cell": cell().pk, "source": "school", "notes": "",
        "stage_events-TOTAL_FORMS": "0", "stage_events-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date_of_birth"] == [birth_message()]
    assert not Candidate.objects.filter(full_name="Người Tương Lai").exists()


def test_the_admin_refuses_an_admission_decided_after_today(admin_client_demo):
    candidate = walk_to(CandidateFactory(home_cell=cell()), Stage.COMMITTEE_RESOLUTION, D(2023, 6, 1))
    response = admin_client_demo.post(reverse("admin:candidates_admission_add"), {
        "candidate": candidate.pk, "cell": candidate.home_cell_id, "decision_number": "9-QĐ",
        "decision_date": "31/12/9999", "admitted_on": "31/12/9999", "outcome": "probation",
    })
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["decision_date"] == [after_today_message()] and errors["admitted_on"] == [after_today_message()]
    assert not Admission.objects.filter(candidate=candidate).exists()


def test_the_admin_refuses_a_class_in_9999_and_a_form_received_in_9999(admin_client_demo):
    response = admin_client_demo.post(reverse("admin:candidates_awarenessclass_add"), {
        "name": "Lớp 9999", "organizer": Organization.objects.get(code="thanh-hoa").pk,
        "start_date": "31/12/9999", "end_date": "31/12/9999", "place": "",
        "attendances-TOTAL_FORMS": "0", "attendances-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start_date"] == [planned_message()]
    candidate = CandidateFactory(home_cell=cell())
    response = admin_client_demo.post(reverse("admin:candidates_dossierdocument_add"), {
        "candidate": candidate.pk, "form_code": "1-KNĐ", "received_on": "31/12/9999", "document_number": "", "note": "",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["received_on"] == [after_today_message()]
    assert not AwarenessClass.objects.filter(name="Lớp 9999").exists() and not DossierDocument.objects.filter(candidate=candidate).exists()


def test_the_admin_merge_action_refuses_an_effective_date_in_2100(admin_client_demo, tree):
    response = admin_client_demo.post(reverse("admin:cells_organization_changelist"), {
        "action": "merge", "_selected_action": [tree["cell_b"].pk], "other_code": "c-a", "effective_on": "01/01/2100",
    }, follow=True)
    assert response.status_code == 200
    assert planned_message() in [str(message) for message in response.context["messages"]]
    assert Organization.objects.get(pk=tree["cell_b"].pk).is_active



def test_the_admin_refuses_a_birth_date_that_makes_the_person_under_16_at_their_first_step(admin_client_demo):
    candidate = CandidateFactory(home_cell=cell(), date_of_birth=D(1995, 5, 17), sourced_on=D(2023, 1, 10))
    url = reverse("admin:candidates_candidate_change", args=[candidate.pk])
    form = admin_client_demo.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "mentors"}
    data.update(
        home_cell=candidate.home_cell_id, date_of_birth="01/06/2008",
        **{f"stage_events-{key}": value for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()},
    )
    response = admin_client_demo.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date_of_birth"] == [
        _("The person would have been under %(years)d at their first step (%(date)s).") % {"years": 16, "date": "10/01/2023"}
    ]
    assert Candidate.objects.get(pk=candidate.pk).date_of_birth == D(1995, 5, 17)
