"""People are listed as Vietnamese readers expect: by given name, then family name, then middle names, in the
Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), tones after the letters; the same on SQLite and
PostgreSQL, in the candidate list, the class rosters, the mentor choices and every export (issue 22)."""
import datetime
import io
import random
import unicodedata

import openpyxl
import pytest
from django.core import serializers
from django.db import connection

from candidates import services
from candidates.forms import CandidateForm
from candidates.models import Candidate, ClassAttendance, PartyMember
from candidates.text import name_parts, sort_key
from cells.models import Organization
from cells.selectors import staff_roots

from .factories import CandidateFactory, OrganizationFactory, UserFactory, admit

# In the order a Vietnamese roster lists them.
IN_ORDER = [
    "Nguyễn Văn Á",  # "a" is a shorter given name than "an"
    "Lê An",  # An: no family name comes before Lê among the An
    "Nguyễn An",
    "Nguyễn Văn An",  # same given and family names: no middle name first
    "Trần Thị Ánh",  # the letters first: "anh" after "an", whatever the tones
    "Phạm Văn Ăn",  # ă after a
    "Đỗ Ân",  # â after ă
    "Bùi Văn Bình",
    "Vũ Dũng",  # d before đ
    "Bùi Thị Đào",
    "Lê Thị Em",
    "Hồ Thị Ê",  # ê after e
    "Hồ Ma",  # ma, mà, mả, mã, má, mạ: tones in dictionary order
    "Lê Mà",
    "Lý Mả",
    "Ngô Mã",
    "Mai Má",
    "Trần Mạ",
    "Nguyễn Thị Mai",
    "Đặng Ô",  # o ô ơ
    "Đặng Ơ",
    "Võ Văn Út",
    "Võ Văn Ưng",  # u before ư
    "Châu Thị Yến",
]


def test_names_sort_by_given_name_then_family_and_middle_names_in_vietnamese_order():
    shuffled = IN_ORDER[:]
    random.Random(22).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == IN_ORDER


def test_a_name_splits_into_given_family_and_middle_names():
    assert name_parts("Nguyễn Văn An") == ("An", "Nguyễn", "Văn")
    assert name_parts("Lê Thị Ngọc Hân") == ("Hân", "Lê", "Thị Ngọc")
    assert name_parts("  Trần   An ") == ("An", "Trần", "")
    assert name_parts("Hùng") == ("Hùng", "", "")


def test_the_key_ignores_how_the_name_was_typed_and_is_digits_only():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    assert sort_key(decomposed) == sort_key("Nguyễn Văn Ánh")
    # Digits compare alike in every database collation: the same order on SQLite and PostgreSQL.
    assert sort_key("Ksor H'Bia").isdigit() and sort_key("Nguyễn Ω").isdigit()
    # Lower case before capitals, as ICU, only when nothing else differs.
    assert sort_key("lê an") < sort_key("Lê An") < sort_key("Lê Ăn")


def test_saving_a_person_keeps_the_key_up_to_date(db):
    person = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"), full_name="Nguyễn Văn Bình")
    assert person.sort_name == sort_key("Nguyễn Văn Bình")
    data = {field: getattr(person, field) for field in services.EDITABLE_FIELDS}
    services.candidate_update(candidate=person, data={**data, "full_name": "Nguyễn Văn An"})
    assert Candidate.objects.get(pk=person.pk).sort_name == sort_key("Nguyễn Văn An")
    person.full_name = "Trần Văn Ba"
    person.save(update_fields=["full_name"])  # the key goes with the name
    assert Candidate.objects.get(pk=person.pk).sort_name == sort_key("Trần Văn Ba")
    member = PartyMember.objects.create(full_name="Lê Thị Hoa", organization=person.home_cell)
    assert member.sort_name == sort_key("Lê Thị Hoa")


def test_the_history_does_not_list_the_sort_key_as_a_change(client, db):
    person = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"), full_name="Nguyễn Văn Bình")
    data = {field: getattr(person, field) for field in services.EDITABLE_FIELDS}
    services.candidate_update(candidate=person, data={**data, "full_name": "Nguyễn Văn An"})
    assert not hasattr(person.history.first(), "sort_name")
    client.login(username="bantochuc", password="BanToChuc@2026")
    changes = client.get(f"/candidates/{person.pk}/").context["history"][0].changed_fields
    assert changes == [str(Candidate._meta.get_field("full_name").verbose_name)]


def test_a_dump_without_sort_keys_gets_them_when_loaded(db):
    person = CandidateFactory(home_cell=Organization.objects.get(code="tan-dong-ap-1"), full_name="Phạm Thị Cúc")
    dumped = serializers.serialize("json", [person])
    Candidate.objects.filter(pk=person.pk).update(sort_name="")
    for loaded in serializers.deserialize("json", dumped.replace(person.sort_name, "")):
        loaded.save()
    assert Candidate.objects.get(pk=person.pk).sort_name == sort_key("Phạm Thị Cúc")


@pytest.fixture
def cell(db):
    return OrganizationFactory(
        code="tan-dong-thu-tu", name="Chi bộ thứ tự", kind=Organization.Kind.CELL,
        parent=Organization.objects.get(code="tan-dong"),
    )


@pytest.fixture
def people(cell):
    shuffled = IN_ORDER[:]
    random.Random(7).shuffle(shuffled)
    return [CandidateFactory(home_cell=cell, full_name=name) for name in shuffled]


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


def test_the_candidate_list_and_its_export_are_in_vietnamese_order(staff, cell, people):
    listed = staff.get(f"/candidates/?org={cell.code}")
    assert [person.full_name for person in listed.context["page"]] == IN_ORDER
    export = staff.get(f"/candidates/?org={cell.code}&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == IN_ORDER


def test_a_list_longer_than_the_cap_is_in_the_same_order(staff, cell, people, monkeypatch):
    from candidates.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 5)  # read through the index rather than sorted once found
    listed = staff.get(f"/candidates/?org={cell.code}")
    assert listed.context["page"].paginator.capped
    shown = [person.full_name for person in listed.context["page"]]
    assert shown and shown == IN_ORDER[: len(shown)]


def test_a_class_roster_and_its_export_are_in_vietnamese_order(staff, people):
    klass = services.class_create(
        name="Lớp thứ tự", organizer=Organization.objects.get(code="tan-dong"),
        start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 3, 6),
    )
    for person in people:
        ClassAttendance.objects.create(awareness_class=klass, candidate=person)
    page = staff.get(f"/candidates/classes/{klass.pk}/")
    assert [row["attendance"].candidate.full_name for row in page.context["rows"]] == IN_ORDER
    sheet = openpyxl.load_workbook(io.BytesIO(staff.get(f"/candidates/classes/{klass.pk}/attendees.xlsx").content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == IN_ORDER


def test_the_monthly_report_lists_a_days_admissions_in_vietnamese_order(staff, cell):
    day = datetime.date(2025, 3, 14)
    names = ["Trần Văn Bình", "Lê Thị An", "Nguyễn Văn Ân"]
    for name in names:
        admit(cell, day, full_name=name)
    response = staff.get(f"/org/{cell.code}/report/?month=2025-03&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    listed = [row[0] for row in sheet.iter_rows(values_only=True) if row[0] in names]
    assert listed == ["Lê Thị An", "Nguyễn Văn Ân", "Trần Văn Bình"]


def test_mentor_choices_are_in_vietnamese_order(db, cell):
    for name in reversed(IN_ORDER):
        PartyMember.objects.create(full_name=name, organization=cell)
    user = UserFactory()
    from .factories import role

    role(user, cell, role="staff")
    form = CandidateForm(roots=staff_roots(user))
    assert [member.full_name for member in form.fields["mentors"].queryset] == IN_ORDER


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ICU collations are PostgreSQL's")
def test_the_key_orders_as_postgresqls_vietnamese_icu_collation(db):
    """The stored key and ICU's vi-VN collation, by given, family and middle name, agree on many names."""
    rng = random.Random(22)
    onsets = ["", "b", "c", "ch", "d", "đ", "g", "gh", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th",
              "tr", "v", "x"]
    vowels = ["a", "ă", "â", "e", "ê", "o", "ô", "ơ", "u", "ư", "i", "y", "oa", "uy", "ươ"]
    tones = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
    codas = ["", "", "n", "ng", "nh", "m", "c", "ch", "t", "p", "i", "o", "u", "y"]

    def word():
        syllable = unicodedata.normalize("NFC", rng.choice(onsets) + rng.choice(vowels) + rng.choice(tones) + rng.choice(codas))
        return syllable.capitalize() if rng.random() < 0.9 else syllable

    names = sorted({" ".join(word() for _ in range(rng.choice([1, 2, 3, 3, 4]))) for _ in range(2000)} | set(IN_ORDER))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE names_to_sort (i int, given text, family text, middle text)")
        cursor.executemany("INSERT INTO names_to_sort VALUES (%s, %s, %s, %s)", [(i, *name_parts(n)) for i, n in enumerate(names)])
        cursor.execute(
            'SELECT i FROM names_to_sort ORDER BY given COLLATE "vi-VN-x-icu", family COLLATE "vi-VN-x-icu", '
            'middle COLLATE "vi-VN-x-icu", i'
        )
        by_icu = [names[i] for (i,) in cursor.fetchall()]
    assert sorted(names, key=sort_key) == by_icu


def test_the_migration_writes_every_existing_persons_key(db, cell):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module("candidates.migrations.0013_names_in_vietnamese_order")
    person = CandidateFactory(home_cell=cell, full_name="Đỗ Thị Ánh")
    namesake = CandidateFactory(home_cell=cell, full_name="Đỗ Thị Ánh", date_of_birth=datetime.date(1990, 1, 1))
    member = PartyMember.objects.create(full_name="Lê Văn Tư", organization=cell)
    Candidate.objects.update(sort_name="")
    PartyMember.objects.update(sort_name="")
    migration.write_sort_keys(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))
    assert set(Candidate.objects.filter(pk__in=[person.pk, namesake.pk]).values_list("sort_name", flat=True)) == {sort_key("Đỗ Thị Ánh")}
    assert PartyMember.objects.get(pk=member.pk).sort_name == sort_key("Lê Văn Tư")
    assert not Candidate.objects.filter(sort_name="").exists()


def test_a_short_list_is_sorted_once_found_and_a_long_one_is_read_through_the_name_index(staff, monkeypatch):
    """As before the key (test_candidate_pages), in the key's order: a commune's few people are found first and then
    sorted; a list longer than the cap is read in the order of the index on (sort_name, id)."""
    from django.test.utils import CaptureQueriesContext

    from candidates.views import CappedPaginator

    def page_of(url):
        with CaptureQueriesContext(connection) as queries:
            listed = staff.get(url)
        selects = [q["sql"] for q in queries.captured_queries
                   if q["sql"].startswith('SELECT "candidates_candidate"."id"') and "LIMIT" in q["sql"]]
        return [person.pk for person in listed.context["page"]], selects[-1]

    short, short_sql = page_of("/candidates/?show=all&page=2")
    everyone = staff.get("/candidates/?show=all").context["page"].paginator.count
    monkeypatch.setattr(CappedPaginator, "cap", everyone - 1)
    long, long_sql = page_of("/candidates/?show=all&page=2")
    by_key = 'ORDER BY "candidates_candidate"."sort_name" ASC'
    assert by_key not in short_sql and by_key in long_sql
    assert len(short) == 50 and short == long
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "candidates_candidate")
    assert indexes["candidate_name_order"]["columns"] == ["sort_name", "id"]
