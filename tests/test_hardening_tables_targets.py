"""The targets table: only the rows posted change, a row changed by someone else meanwhile is reported
instead of overwritten, and only ASCII digits are a number of people."""
import pytest
from django.utils.translation import gettext as _

from cells import services
from cells.models import Organization, Target
from tracker.models import PendingRecompute

from .factories import UserFactory

URL = "/org/thanh-an/targets/?period=2027"
BAD_NUMBER = "Enter a whole number of people (0 to 100000), or leave empty for no plan."


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


@pytest.fixture
def units(db):
    return [Organization.objects.get(code=code) for code in ("thanh-an", "thanh-an-ap-1", "thanh-an-ap-2")]


@pytest.fixture
def someone_else(db):
    return UserFactory(username="nguoi.khac")


def set_targets(units, counts, user=None):
    for unit, count in zip(units, counts):
        services.target_set(organization=unit, year=2027, count=count, acting_user=user)


def targets(units):
    found = dict(Target.objects.filter(year=2027, organization__in=units).values_list("organization_id", "count"))
    return [found.get(unit.pk) for unit in units]


def loaded_form(page):
    """What the browser posts back untouched: every row's box and the value it was loaded with."""
    form = {}
    for row in page.context["rows"]:
        form[f"target-{row['unit'].pk}"] = "" if row["value"] is None else str(row["value"])
        form[f"loaded-{row['unit'].pk}"] = "" if row["loaded"] is None else str(row["loaded"])
    return form


def row_error(response, unit):
    return [row["error"] for row in response.context["rows"] if row["unit"] == unit][0]


def test_the_page_carries_each_rows_value_as_loaded(staff, units):
    set_targets(units, [4, 1, 2])
    content = staff.get(URL).content.decode()
    assert f'name="loaded-{units[1].pk}" value="1"' in content
    assert f'name="target-{units[1].pk}" value="1"' in content


def test_a_post_naming_only_some_rows_leaves_the_others_as_they_are(staff, units):
    set_targets(units, [4, 1, 2])
    response = staff.post(URL, {f"target-{units[0].pk}": "6", f"loaded-{units[0].pk}": "4"})
    assert response.status_code == 302
    assert targets(units) == [6, 1, 2]
    assert Target.objects.get(organization=units[0], year=2027).history.first().history_user.username == "bantochuc"


def test_a_post_without_the_loaded_values_still_changes_only_its_rows(staff, units):
    set_targets(units, [4, 1, 2])
    assert staff.post(URL, {f"target-{units[1].pk}": ""}).status_code == 302
    assert targets(units) == [4, None, 2]


def test_a_row_changed_by_someone_else_meanwhile_is_reported_with_its_value_now_and_nothing_is_saved(
    staff, units, someone_else
):
    set_targets(units, [4, 1, 2])
    form = loaded_form(staff.get(URL))
    services.target_set(organization=units[1], year=2027, count=3, acting_user=someone_else)
    form.update({f"target-{units[0].pk}": "7", f"target-{units[1].pk}": "5"})
    response = staff.post(URL, form)
    assert response.status_code == 409
    assert targets(units) == [4, 3, 2]
    message = _("Changed by someone else since you opened the page: now %(count)s. Save again to replace it.")
    assert row_error(response, units[1]) == message % {"count": 3}
    assert row_error(response, units[0]) is None
    assert message % {"count": 3} in response.content.decode()
    assert _("Some targets were changed by someone else in the meantime; nothing was saved.") in [
        str(m) for m in response.context["messages"]
    ]
    # What the user typed stays in the boxes; the page now carries the value of today, so saving again replaces it.
    rows = {row["unit"]: row for row in response.context["rows"]}
    assert (rows[units[0]]["value"], rows[units[1]]["value"], rows[units[1]]["loaded"]) == ("7", "5", 3)
    again = staff.post(URL, loaded_form(response))
    assert again.status_code == 302
    assert targets(units) == [7, 5, 2]
    assert Target.objects.get(organization=units[1], year=2027).history.first().history_user.username == "bantochuc"


def test_a_row_removed_by_someone_else_meanwhile_is_reported_as_no_plan(staff, units, someone_else):
    set_targets(units, [4, 1, 2])
    form = loaded_form(staff.get(URL))
    services.targets_set_many(counts={units[2]: None}, year=2027, acting_user=someone_else)
    form[f"target-{units[2].pk}"] = "8"
    response = staff.post(URL, form)
    assert response.status_code == 409
    assert row_error(response, units[2]) == _(
        "Removed by someone else since you opened the page: no plan now. Save again to set it."
    )
    assert targets(units) == [4, 1, None]


def test_a_row_the_user_left_as_loaded_is_neither_overwritten_nor_reported(staff, units, someone_else):
    set_targets(units, [4, 1, 2])
    form = loaded_form(staff.get(URL))
    services.target_set(organization=units[1], year=2027, count=3, acting_user=someone_else)
    form[f"target-{units[0].pk}"] = "9"
    assert staff.post(URL, form).status_code == 302
    assert targets(units) == [9, 3, 2]
    assert Target.objects.get(organization=units[1], year=2027).history.first().history_user == someone_else


def test_a_row_changed_meanwhile_to_what_the_user_typed_is_no_conflict(staff, units, someone_else):
    set_targets(units, [4, 1, 2])
    form = loaded_form(staff.get(URL))
    services.target_set(organization=units[1], year=2027, count=3, acting_user=someone_else)
    form[f"target-{units[1].pk}"] = "3"
    assert staff.post(URL, form).status_code == 302
    assert targets(units) == [4, 3, 2]


def test_a_saved_change_still_invalidates_the_figures_of_the_unit_and_its_ancestors(staff, units):
    set_targets(units, [4, 1, 2])
    PendingRecompute.objects.all().delete()
    staff.post(URL, {f"target-{units[1].pk}": "5", f"loaded-{units[1].pk}": "1"})
    pending = set(PendingRecompute.objects.values_list("organization__code", flat=True))
    assert {"thanh-an-ap-1", "thanh-an", "thanh-hoa"} <= pending
    assert "thanh-an-ap-2" not in pending


@pytest.mark.parametrize("value", ["²", "３", "٣", "1²", "১২", "9" * 5000, "1_000", " 1 2 ", "+3"])
def test_only_ascii_digits_are_a_number_of_people(staff, units, value):
    set_targets(units, [4, 1, 2])
    response = staff.post(URL, {f"target-{units[0].pk}": "6", f"target-{units[1].pk}": value})
    assert response.status_code == 400
    assert row_error(response, units[1]) == _(BAD_NUMBER)
    assert targets(units) == [4, 1, 2]


def test_a_tampered_loaded_value_is_refused_next_to_its_row(staff, units):
    set_targets(units, [4, 1, 2])
    response = staff.post(URL, {f"target-{units[1].pk}": "6", f"loaded-{units[1].pk}": "²"})
    assert response.status_code == 400
    assert row_error(response, units[1]) == _(BAD_NUMBER)
    assert targets(units) == [4, 1, 2]


def test_the_service_saves_nothing_when_one_row_changed_meanwhile(units, someone_else):
    set_targets(units, [4, 1, 2])
    services.target_set(organization=units[2], year=2027, count=0, acting_user=someone_else)
    with pytest.raises(services.TargetsChanged) as raised:
        services.targets_set_many(
            counts={units[0]: 5, units[1]: None, units[2]: 6}, loaded={units[0]: 4, units[1]: 1, units[2]: 2},
            year=2027,
        )
    assert raised.value.current == {units[2]: 0}
    assert targets(units) == [4, 1, 0]


def test_the_service_counts_only_what_it_changed(units):
    set_targets(units, [4, 1, 2])
    changed = services.targets_set_many(
        counts={units[0]: 4, units[1]: 9, units[2]: None}, loaded={units[0]: 4, units[1]: 1, units[2]: 2}, year=2027,
    )
    assert changed == 2
    assert targets(units) == [4, 9, None]
