"""Django's two name fields hold a Vietnamese name's given name ("first name", Tên) and its family and middle
names ("last name", Họ): the admin's user form says which is which, the demo stores them so, and the pages
write the name family first (issue 22)."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from candidates.templatetags.people import written_name

from .factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admins_user_form_says_which_field_is_the_given_name(admin_client):
    user = get_user_model().objects.get(username="bantochuc")
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/")
    form = page.context["adminform"].form
    assert form.fields["first_name"].label == gettext("given name")
    assert form.fields["last_name"].label == gettext("family and middle names")
    assert "Nguyễn Văn An" in str(form.fields["first_name"].help_text)
    html = page.content.decode()
    # Written as the name is: the family and middle names first.
    assert html.index('name="last_name"') < html.index('name="first_name"')


def test_the_admins_user_list_shows_both_parts_under_their_names(admin_client):
    page = admin_client.get("/admin/auth/user/").content.decode()
    assert gettext("family and middle names").capitalize() in page and gettext("given name").capitalize() in page
    assert re.search(r"Lê Thị Ngọc</td>\s*<td[^>]*>Hân</td>", page)


def test_the_demo_stores_the_given_name_as_the_first_name(db):
    staff = get_user_model().objects.get(username="bantochuc")
    assert (staff.last_name, staff.first_name) == ("Lê Thị Ngọc", "Hân")
    secretary = get_user_model().objects.get(username="bithu.tandong")
    assert (secretary.last_name, secretary.first_name) == ("Trần Minh", "Tâm")


def test_pages_write_a_users_name_family_first(client, db):
    client.login(username="bantochuc", password="BanToChuc@2026")
    assert "Lê Thị Ngọc Hân" in client.get("/candidates/").content.decode()
    assert written_name(UserFactory(username="khong.ten")) == "khong.ten"
    assert written_name(UserFactory(first_name="An", last_name="")) == "An"
