"""Issue 22, the admin: an organization's parent is chosen among the organizations that may hold its kind
(ALLOWED_PARENT_KINDS), in the plain list and in the search; the users' list shows each user's roles."""
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from html import unescape

from cells.models import ALLOWED_PARENT_KINDS, Organization, OrganizationRole
from tracker import widgets

from .factories import UserFactory, role


@pytest.fixture
def admin_client_demo(client, db):
    client.login(username="admin", password="QuanTri@2026")
    return client


def parent_options(html):
    """(value, data-kind) of the parent select's options, the empty one left out."""
    select = re.search(r'<select[^>]*id="id_parent".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option ([^>]*)>", select)
    found = []
    for attrs in options:
        value = re.search(r'value="([^"]*)"', attrs).group(1)
        if value:
            kind = re.search(r'data-kind="([^"]*)"', attrs)
            found.append((int(value), kind.group(1) if kind else None))
    return found


def change_page(client, code):
    organization = Organization.objects.get(code=code)
    return client.get(reverse("admin:cells_organization_change", args=[organization.pk])).content.decode()


def test_a_cells_parent_is_chosen_among_grassroots_committees_and_sub_committees(admin_client_demo):
    offered = parent_options(change_page(admin_client_demo, "tan-dong-ap-1"))
    allowed = {"grassroots_committee", "sub_committee"}
    assert {kind for _pk, kind in offered} <= allowed and offered
    expected = Organization.objects.filter(kind__in=allowed, is_active=True)
    assert {pk for pk, _kind in offered} == set(expected.values_list("pk", flat=True))
    assert Organization.objects.get(code="tan-dong").pk in {pk for pk, _kind in offered}
    assert Organization.objects.get(code="thanh-hoa").pk not in {pk for pk, _kind in offered}


def test_a_communes_parent_is_chosen_among_districts_and_provinces(admin_client_demo):
    offered = parent_options(change_page(admin_client_demo, "tan-dong"))
    assert offered == [(Organization.objects.get(code="thanh-hoa").pk, "district")]


def test_the_add_page_offers_every_organization_that_may_hold_something_and_says_what_each_kind_needs(admin_client_demo):
    html = admin_client_demo.get(reverse("admin:cells_organization_add")).content.decode()
    offered = parent_options(html)
    assert offered and all(kind not in ("cell", "grassroots_cell") for _pk, kind in offered)
    kinds = json.loads(unescape(re.search(r'data-parent-kinds="([^"]*)"', html).group(1)))
    assert kinds == {kind: sorted(k for k in parents if k) for kind, parents in ALLOWED_PARENT_KINDS.items()}
    assert "js/parent-choices.js" in html  # hides the others when the kind is chosen


def test_a_wrong_parent_posted_still_gets_the_placement_message(admin_client_demo):
    district = Organization.objects.get(code="thanh-hoa")
    response = admin_client_demo.post(
        reverse("admin:cells_organization_add"),
        {"code": "sai", "name": "Chi bộ sai chỗ", "kind": "cell", "sector": "other", "parent": district.pk},
    )
    assert response.status_code == 200 and not Organization.objects.filter(code="sai").exists()
    assert response.context["adminform"].form.errors["parent"]


def test_the_parent_search_filters_by_the_kind_and_stays_searchable(admin_client_demo, monkeypatch):
    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 5)
    html = change_page(admin_client_demo, "tan-dong-ap-1")
    assert 'data-search-url="/admin/cells/organization/search/"' in html
    url = "/admin/cells/organization/search/"

    def texts(**params):
        return [result["text"] for result in admin_client_demo.get(url, params).json()["results"]]

    for_a_cell = texts(q="Thạnh Hóa", kind="cell")
    assert "Đảng bộ thị trấn Thạnh Hóa (thi-tran-thanh-hoa)" in for_a_cell
    assert "Đảng bộ huyện Thạnh Hóa (thanh-hoa)" not in for_a_cell
    for_a_commune = texts(q="Thạnh Hóa", kind="grassroots_committee")
    assert for_a_commune == ["Đảng bộ huyện Thạnh Hóa (thanh-hoa)"]
    assert texts(q="Thạnh Hóa", kind="national") == []  # the top of the tree only
    # Without a kind (or an unknown one): anything that may hold an organization, never a cell.
    for anything in (texts(q="Thạnh Hóa"), texts(q="Thạnh Hóa", kind="nonsense")):
        assert "Đảng bộ huyện Thạnh Hóa (thanh-hoa)" in anything
        assert "Chi bộ Trường THPT Thạnh Hóa (thpt-thanh-hoa)" not in anything


def roles_cells(html):
    """username → the text of its roles column in the users' list."""
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    found = {}
    for row in rows:
        name = re.search(r'<th class="field-username">.*?>([^<]+)</a>', row, re.S)
        roles = re.search(r'<td class="field-roles">(.*?)</td>', row, re.S)
        if name and roles:
            found[name.group(1)] = unescape(roles.group(1))
    return found


def test_the_users_list_shows_each_users_roles(admin_client_demo):
    html = admin_client_demo.get(reverse("admin:auth_user_changelist")).content.decode()
    shown = roles_cells(html)
    secretary = str(OrganizationRole.Role.SECRETARY.label)
    staff = str(OrganizationRole.Role.STAFF.label)
    assert shown["bithu.tandong"] == f"{secretary} – Đảng bộ xã Tân Đông"
    assert shown["bantochuc"] == f"{staff} – Đảng bộ huyện Thạnh Hóa"
    assert shown["admin"] == "—"  # an administrator without a role


def test_a_user_with_several_roles_has_one_line_each(admin_client_demo):
    user = UserFactory(username="nhieu.vai")
    role(user, Organization.objects.get(code="tan-dong"), role="staff")
    role(user, Organization.objects.get(code="thuy-dong"), role="viewer")
    shown = roles_cells(admin_client_demo.get(reverse("admin:auth_user_changelist"), {"q": "nhieu.vai"}).content.decode())
    assert shown["nhieu.vai"].split("<br>") == [
        f"{OrganizationRole.Role.STAFF.label} – Đảng bộ xã Tân Đông",
        f"{OrganizationRole.Role.VIEWER.label} – Đảng bộ xã Thủy Đông",
    ]


def test_the_roles_column_reads_the_roles_of_a_page_in_one_query(admin_client_demo):
    url = reverse("admin:auth_user_changelist")
    admin_client_demo.get(url)  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        admin_client_demo.get(url)
    district = Organization.objects.get(code="thanh-hoa")
    for number in range(12):
        role(UserFactory(username=f"them.{number}"), district, role="viewer")
    with CaptureQueriesContext(connection) as many:
        html = admin_client_demo.get(url).content.decode()
    assert len(roles_cells(html)) >= 16
    assert len(many.captured_queries) == len(few.captured_queries)
