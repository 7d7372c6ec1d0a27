import pytest

from cells.models import Organization, Target


@pytest.fixture
def staff(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    return client


def test_staff_set_the_targets_of_a_commune_and_its_cells_in_one_table(staff):
    commune = Organization.objects.get(code="thanh-an")
    cell = Organization.objects.get(code="thanh-an-ap-1")
    page = staff.get("/org/thanh-an/targets/?period=2027")
    assert page.status_code == 200
    response = staff.post("/org/thanh-an/targets/?period=2027", {f"target-{commune.pk}": "4", f"target-{cell.pk}": "1"})
    assert response.status_code == 302
    assert Target.objects.get(organization=commune, year=2027).count == 4
    assert Target.objects.get(organization=cell, year=2027).history.first().history_user.username == "bantochuc"
    staff.post("/org/thanh-an/targets/?period=2027", {f"target-{commune.pk}": "4", f"target-{cell.pk}": ""})
    assert not Target.objects.filter(organization=cell, year=2027).exists()


@pytest.mark.parametrize("value", ["-1", "abc", "2.5", "999999999"])
def test_a_bad_target_is_refused_next_to_its_row_and_nothing_is_saved(staff, value):
    commune = Organization.objects.get(code="thanh-an")
    cell = Organization.objects.get(code="thanh-an-ap-1")
    response = staff.post("/org/thanh-an/targets/?period=2027", {f"target-{commune.pk}": "4", f"target-{cell.pk}": value})
    assert response.status_code == 400
    assert [row["error"] is not None for row in response.context["rows"] if row["unit"] == cell] == [True]
    assert not Target.objects.filter(year=2027, organization__in=[commune, cell]).exists()


def test_secretaries_and_viewers_cannot_set_targets(client, db):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    assert client.get("/org/tan-dong/targets/").status_code == 404
    assert client.post("/org/tan-dong/targets/", {}).status_code == 404
