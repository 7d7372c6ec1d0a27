import pytest
from django.core import mail
from django.test import override_settings


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True)
def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client):
    from axes.utils import reset

    for _ in range(5):
        client.post("/accounts/login/", {"username": "bantochuc", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    locked = client.post("/accounts/login/", {"username": "bantochuc", "password": "BanToChuc@2026"}, REMOTE_ADDR="10.0.0.5")
    assert locked.status_code == 429
    assert "bị khóa" in locked.content.decode()
    # Another user in the same office is not locked out.
    ok = client.post("/accounts/login/", {"username": "bithu.huyen", "password": "BiThuHuyen@2026"}, REMOTE_ADDR="10.0.0.5")
    assert ok.status_code == 302
    reset(username="bantochuc")


@pytest.mark.django_db
def test_a_user_changes_their_password(client):
    client.login(username="bithu.tandong", password="BiThuTanDong@2026")
    response = client.post("/accounts/password_change/", {
        "old_password": "BiThuTanDong@2026", "new_password1": "Mat-khau-moi-2026!", "new_password2": "Mat-khau-moi-2026!",
    })
    assert response.status_code == 302
    client.logout()
    assert client.login(username="bithu.tandong", password="Mat-khau-moi-2026!")


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_by_email(client, django_user_model):
    user = django_user_model.objects.get(username="bantochuc")
    user.email = "bantochuc@thanhhoa.example.vn"
    user.save()
    assert client.post("/accounts/password_reset/", {"email": user.email}).status_code == 302
    assert mail.outbox[0].to == [user.email]


@pytest.mark.django_db
def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


@pytest.mark.django_db
def test_administrators_see_recent_changes_with_who_and_when(client):
    client.login(username="bantochuc", password="BanToChuc@2026")
    assert client.get("/changes/").status_code == 404
    from candidates.models import Candidate

    candidate = Candidate.objects.first()
    candidate.notes = "Đã xác minh"
    candidate._history_user = None
    candidate.save()
    client.logout()
    client.login(username="admin", password="QuanTri@2026")
    changes = client.get("/changes/").context["changes"]
    newest = changes[0]["record"]
    assert newest.history_id == candidate.history.first().history_id
    assert newest.notes == "Đã xác minh" and newest.history_type == "~"
