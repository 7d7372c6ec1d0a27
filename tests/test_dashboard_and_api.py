import re

import pytest

from cells.models import Organization
from tracker.models import PendingRecompute

from .factories import OrganizationFactory, UserFactory, role


@pytest.fixture
def district_secretary(client, db):
    client.login(username="bithu.huyen", password="BiThuHuyen@2026")
    return client


@pytest.fixture
def commune_secretary(client, db):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    return client


def big_figure(response):
    return re.search(r'id="big-figure">(.*?)</div>', response.content.decode(), re.S).group(1).strip()


def test_the_district_2023_shows_60_of_75(district_secretary):
    assert big_figure(district_secretary.get("/org/thanh-hoa/?period=2023")) == "60 / 75 = 80,0 %"


def test_tan_dong_shows_21_of_15_over_the_term_and_4_of_4_in_2023(district_secretary):
    assert big_figure(district_secretary.get("/org/tan-dong/?period=2020-2025")) == "21 / 15 = 140,0 %"
    assert big_figure(district_secretary.get("/org/tan-dong/?period=2023")) == "4 / 4 = 100,0 %"


def test_the_high_school_2023_shows_3_of_5(district_secretary):
    assert big_figure(district_secretary.get("/org/thpt-thanh-hoa/?period=2023")) == "3 / 5 = 60,0 %"


def test_every_page_says_how_old_its_figures_are(district_secretary):
    page = district_secretary.get("/org/thanh-hoa/").content.decode()
    assert re.search(r"Số liệu tính lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}", page)


def test_a_stale_snapshot_says_so(district_secretary):
    district_secretary.get("/org/thanh-hoa/?period=2023")
    PendingRecompute.objects.create(organization=Organization.objects.get(code="thanh-hoa"))
    page = district_secretary.get("/org/thanh-hoa/?period=2023").content.decode()
    assert "Các thay đổi mới đang được tính" in page


def test_changes_waiting_for_long_say_the_worker_seems_stopped(district_secretary):
    import datetime

    district_secretary.get("/org/thanh-hoa/?period=2023")
    waiting = PendingRecompute.objects.create(organization=Organization.objects.get(code="thanh-hoa"))
    PendingRecompute.objects.filter(pk=waiting.pk).update(queued_at=waiting.queued_at - datetime.timedelta(hours=2))
    page = district_secretary.get("/org/thanh-hoa/?period=2023").content.decode()
    assert "chưa được tính" in page and "Các thay đổi mới đang được tính" not in page


def test_an_ended_period_shows_no_forecast_and_no_source_gap(district_secretary):
    page = district_secretary.get("/org/thanh-hoa/?period=2023")
    assert 'id="forecast"' not in page.content.decode()
    assert not [alert for alert in page.context["data"]["alerts"] if alert["kind"] == "source_gap"]
    assert page.context["data"]["status"] == "not_met"  # 60 of 75: the year simply fell short


def test_a_past_periods_page_says_its_pipeline_is_todays(district_secretary):
    past = district_secretary.get("/org/thanh-hoa/?period=2023").content.decode()
    assert "Nguồn theo giai đoạn hiện nay" in past and "Trong nguồn hiện nay" in past
    running = district_secretary.get("/org/thanh-hoa/?period=2026").content.decode()
    assert "Nguồn theo giai đoạn</h2>" in running and "Trong nguồn hiện nay" not in running


def test_the_units_table_drills_down_one_level(district_secretary):
    page = district_secretary.get("/org/thanh-hoa/?period=2023").content.decode()
    assert 'href="/org/tan-dong/?period=2023"' in page
    assert 'href="/org/tan-dong-ap-1/' not in page


def test_a_secretary_cannot_see_another_commune(commune_secretary):
    assert commune_secretary.get("/org/thanh-hoa/").status_code == 404
    assert commune_secretary.get("/org/thuy-dong/").status_code == 404
    assert commune_secretary.get("/org/tan-dong/").status_code == 200


def test_a_malformed_period_answers_400_with_a_message(district_secretary):
    response = district_secretary.get("/org/thanh-hoa/?period=20x3")
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


def test_the_api_returns_the_figures_of_the_demo(district_secretary):
    body = district_secretary.get("/api/v1/progress/?org=thanh-hoa&period=2023").json()
    assert (body["admitted"], body["target"], body["percent"], body["children_target"]) == (60, 75, 80.0, 78)
    assert body["by_category"]["teacher"] == 18
    assert {"org", "name", "admitted", "target", "percent"} == set(body["children"][0])
    assert sum(child["admitted"] for child in body["children"]) == 60
    assert body["computed_at"]


def test_the_api_answers_400_404_and_401(district_secretary, commune_secretary, client):
    assert district_secretary.get("/api/v1/progress/?org=thanh-hoa&period=2023-24").status_code == 400
    assert district_secretary.get("/api/v1/progress/?org=nowhere&period=2023").status_code == 404


def test_the_api_refuses_organizations_out_of_scope(commune_secretary):
    assert commune_secretary.get("/api/v1/progress/?org=thanh-hoa&period=2023").status_code == 404
    assert commune_secretary.get("/api/v1/progress/?org=tan-dong&period=2020-2025").json()["admitted"] == 21


def test_the_api_needs_a_login(client, db):
    assert client.get("/api/v1/progress/?org=thanh-hoa&period=2023").status_code == 401


def _tree_with_children(n):
    root = OrganizationFactory(kind=Organization.Kind.PROVINCE)
    for _ in range(n):
        OrganizationFactory(kind=Organization.Kind.GRASSROOTS_CELL, parent=root)
    return root


@pytest.mark.parametrize("url", ["/org/{code}/?period=2023", "/api/v1/progress/?org={code}&period=2023"])
def test_queries_do_not_grow_with_the_number_of_children(client, db, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    counts = []
    for n in (2, 12):
        root = _tree_with_children(n)
        role(user, root)
        client.force_login(user)
        client.get(url.format(code=root.code))  # the first visit computes the snapshot
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url.format(code=root.code)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(14):  # two of them the pipelines and when they were checked
        client.get(url.format(code=root.code))


def test_the_monthly_line_runs_against_the_plans_pace(district_secretary):
    chart = district_secretary.get("/org/thanh-hoa/?period=2023").context["chart"]
    assert chart["months"][0] == "2023-01" and chart["months"][-1] == "2023-12"
    assert chart["cumulative"][-1] == 60
    assert chart["pace"][5] == 37.5 and chart["pace"][-1] == 75.0
