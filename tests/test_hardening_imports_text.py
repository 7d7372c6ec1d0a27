"""Issue 20: names are stored in NFC; invisible, control and direction characters and names of marks only are
refused; a national ID is 12 ASCII digits; duplicate checks compare normalized names. In the forms (a message
next to the field) and in the services, so that the admin, the import and the commands are covered."""
import datetime
import importlib
import unicodedata
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _

from candidates import services, text
from candidates.models import AwarenessClass, Candidate, ImportJob, PartyMember

from .factories import CandidateFactory, UserFactory
from .hardening_imports import person, preview, staff_of

NFC = "Nguyễn Thị Ánh Tuyết"
NFD = unicodedata.normalize("NFD", NFC)
INVISIBLE = _("Remove the invisible or control characters from the name (%(characters)s).")
MARKS = _("Accents must sit on letters, at most two on one letter.")
NATIONAL_ID = _("A national ID number has exactly 12 digits.")
BAD_NAMES = [
    ("Nguyễn\u200bVăn An", INVISIBLE % {"characters": "U+200B"}),  # zero-width space
    ("Nguyễn Văn An\u2060", INVISIBLE % {"characters": "U+2060"}),  # word joiner
    ("Nguyễn \x1b[31mVăn An", INVISIBLE % {"characters": "U+001B"}),  # ESC of a terminal colour
    ("\u202eNguyễn Văn An", INVISIBLE % {"characters": "U+202E"}),  # right-to-left override
    ("Lê\u2028Văn", INVISIBLE % {"characters": "U+2028"}),  # line separator
    ("\u3164", INVISIBLE % {"characters": "U+3164"}),  # a Hangul filler: a blank that is a letter
    ("\u0301\u0303\u0323", MARKS),  # marks only
    ("\u0301An", MARKS),  # a mark on nothing
    ("Ngu\u0303\u0301\u0323\u0309yễn", MARKS),  # more marks than any Vietnamese letter holds
    ("123 - 456", _("A name must contain letters.")),
]
BAD_IDS = ["08019900112²", "٠٨٠١٩٩٠٠١١٢٢", "０８０１９９００１１２２", "08019900112", "08019900112a"]


@pytest.fixture
def commune_staff(client, tree):
    client.force_login(staff_of(tree["commune"]))
    return client


def form_data(tree, **changes):
    data = {
        "full_name": "Lê Văn Mới", "date_of_birth": "01/02/2000", "gender": "male", "ethnicity": "Kinh",
        "religion": "Không", "education_level": "university", "national_id": "", "occupation_category": "teacher",
        "home_cell": tree["cell_a"].pk, "source": "school", "sourced_on": "02/01/2026",
    }
    data.update(changes)
    return data


def create(tree, **changes):
    fields = dict(
        full_name="Lê Văn Mới", date_of_birth=datetime.date(2000, 2, 1), gender="male", education_level="university",
        occupation_category="teacher", home_cell=tree["cell_a"], sourced_on=datetime.date(2026, 1, 2),
    )
    fields.update(changes)
    return services.candidate_create(**fields)


def test_a_name_typed_in_nfd_is_stored_in_nfc(commune_staff, tree):
    response = commune_staff.post("/candidates/new/", form_data(tree, full_name=f"  {NFD}\u00a0 "))
    assert response.status_code == 302
    assert Candidate.objects.get(date_of_birth=datetime.date(2000, 2, 1)).full_name == NFC
    assert create(tree, full_name=NFD, date_of_birth=datetime.date(2001, 1, 1)).full_name == NFC


@pytest.mark.parametrize("name, message", BAD_NAMES)
def test_the_form_refuses_a_name_with_hidden_characters_next_to_the_field(commune_staff, tree, name, message):
    response = commune_staff.post("/candidates/new/", form_data(tree, full_name=name))
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [message]
    assert not Candidate.objects.filter(date_of_birth=datetime.date(2000, 2, 1)).exists()


@pytest.mark.parametrize("name, message", BAD_NAMES)
def test_the_services_refuse_a_name_with_hidden_characters(tree, name, message):
    with pytest.raises(ValidationError) as refused:
        create(tree, full_name=name)
    assert refused.value.message_dict == {"full_name": [message]}
    candidate = CandidateFactory(home_cell=tree["cell_a"])
    data = {field: getattr(candidate, field) for field in services.EDITABLE_FIELDS} | {"full_name": name}
    with pytest.raises(ValidationError) as refused:
        services.candidate_update(candidate=candidate, data=data)
    assert refused.value.message_dict == {"full_name": [message]}


@pytest.mark.parametrize("national_id", BAD_IDS)
def test_a_national_id_is_exactly_twelve_ascii_digits_in_the_form_and_the_services(commune_staff, tree, national_id):
    response = commune_staff.post("/candidates/new/", form_data(tree, national_id=national_id))
    assert response.context["form"].errors["national_id"] == [NATIONAL_ID]
    with pytest.raises(ValidationError) as refused:
        create(tree, national_id=national_id)
    assert refused.value.message_dict == {"national_id": [NATIONAL_ID]}
    assert not Candidate.objects.filter(date_of_birth=datetime.date(2000, 2, 1)).exists()


def test_the_import_refuses_a_hidden_character_and_a_non_ascii_national_id_on_their_row(commune_staff):
    job = preview(commune_staff, [person(full_name="Trần\u200bThị Ngân"), person(full_name="Lê Văn Hậu", national_id="０８０１９９００１１２２")])
    assert job.status == ImportJob.Status.INVALID
    from candidates.imports import CANDIDATE_COLUMNS

    labels = dict(CANDIDATE_COLUMNS)
    assert job.rows[0]["errors"] == [f"{labels['full_name']}: " + INVISIBLE % {"characters": "U+200B"}]
    assert job.rows[1]["errors"] == [f"{labels['national_id']}: {NATIONAL_ID}"]


def test_the_import_finds_a_duplicate_typed_in_nfd_or_in_capitals(commune_staff, tree):
    CandidateFactory(home_cell=tree["cell_b"], full_name=NFC, date_of_birth=datetime.date(1999, 6, 5))
    job = preview(commune_staff, [person(full_name=NFD), person(full_name=NFC.upper(), national_id="080199001122"),
                                  person(full_name="Lê Văn Hậu"), person(full_name=unicodedata.normalize("NFD", "LÊ VĂN HẬU"))])
    existing = _("Same name and date of birth as %(name)s (%(cell)s), already in the records.") % {"name": NFC, "cell": "Chi bộ ấp B"}
    assert [row["errors"] for row in job.rows] == [
        [existing],
        [_("Same name and date of birth as row %(row)d.") % {"row": 2}, existing],
        [],
        [_("Same name and date of birth as row %(row)d.") % {"row": 4}],
    ]


def test_the_class_roster_paste_matches_names_typed_in_nfd_or_in_capitals(tree):
    people = [CandidateFactory(home_cell=tree["cell_a"], full_name=NFC), CandidateFactory(home_cell=tree["cell_a"], full_name="Đỗ Văn Hùng")]
    awareness_class = services.class_create(
        name="Lớp thử", organizer=tree["commune"], start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6)
    )
    roster = f"{NFD}; 17/05/1995\nĐỖ VĂN HÙNG; 17/05/1995\n"
    count = services.class_enroll_roster(
        awareness_class=awareness_class, roster=roster, scope=Candidate.objects.filter(home_cell=tree["cell_a"])
    )
    assert count == 2
    assert set(awareness_class.attendances.values_list("candidate", flat=True)) == {p.pk for p in people}


def test_the_class_roster_paste_refuses_a_line_with_a_hidden_character(tree):
    awareness_class = services.class_create(
        name="Lớp thử", organizer=tree["commune"], start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6)
    )
    with pytest.raises(ValidationError) as refused:
        services.class_enroll_roster(
            awareness_class=awareness_class, roster="Đỗ Văn\u202eHùng; 17/05/1995", scope=Candidate.objects.all()
        )
    assert refused.value.messages == [
        _("Line %(n)d: %(error)s.") % {"n": 1, "error": (INVISIBLE % {"characters": "U+202E"}).rstrip(".")}
    ]
    assert not AwarenessClass.objects.get(pk=awareness_class.pk).attendances.exists()


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_a_party_member_typed_in_the_admin_is_stored_in_nfc_and_refused_with_hidden_characters(admin_client, tree):
    url = reverse("admin:candidates_partymember_add")
    data = {"organization": tree["cell_a"].pk, "admitted_on": "", "full_member_on": "", "card_number": ""}
    response = admin_client.post(url, data | {"full_name": "Lê\u200bVăn Đảng"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["full_name"] == [INVISIBLE % {"characters": "U+200B"}]
    assert admin_client.post(url, data | {"full_name": f" {NFD} "}).status_code == 302
    assert PartyMember.objects.get(organization=tree["cell_a"]).full_name == NFC


def test_a_candidate_typed_in_the_admin_is_stored_in_nfc(admin_client, tree):
    candidate = CandidateFactory(home_cell=tree["cell_a"])
    url = reverse("admin:candidates_candidate_change", args=[candidate.pk])
    data = {
        "full_name": NFD, "date_of_birth": "17/05/1995", "gender": "male", "ethnicity": "Kinh", "religion": "Không",
        "education_level": "university", "national_id": "٠٨٠١٩٩٠٠١١٢٢", "occupation_category": "teacher",
        "home_cell": tree["cell_a"].pk, "source": "cell_plan", "notes": "",
        "stage_events-TOTAL_FORMS": 0, "stage_events-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url, data)
    assert response.context["adminform"].form.errors["national_id"] == [NATIONAL_ID]
    assert admin_client.post(url, data | {"national_id": ""}).status_code == 302
    assert Candidate.objects.get(pk=candidate.pk).full_name == NFC


def test_the_migration_stores_existing_names_in_nfc(tree):
    candidate = CandidateFactory(home_cell=tree["cell_a"])
    member = PartyMember.objects.create(full_name="Đảng viên", organization=tree["cell_a"])
    Candidate.objects.filter(pk=candidate.pk).update(full_name=NFD)
    PartyMember.objects.filter(pk=member.pk).update(full_name=NFD)
    migration = importlib.import_module("candidates.migrations.0012_names_in_nfc_and_text_rules")

    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    editor = SimpleNamespace(connection=connection, execute=execute, quote_name=connection.ops.quote_name)
    migration.names_to_nfc(apps, editor)
    assert Candidate.objects.get(pk=candidate.pk).full_name == NFC
    assert PartyMember.objects.get(pk=member.pk).full_name == NFC


def test_names_compare_normalized():
    assert text.name_key("  NGUYỄN\tthị  ánh tuyết ") == text.name_key(NFD) == "nguyễn thị ánh tuyết"
