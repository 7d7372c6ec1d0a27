"""Behind the README's nginx, the login lockout keys on the client's address from X-Forwarded-For,
not on the proxy's address shared by everyone; without a proxy configured, the header is ignored."""
import pytest
from django.test import override_settings

from .factories import UserFactory

PROXY = "127.0.0.1"  # every request reaches the app from nginx
CLIENT_A, CLIENT_B = "203.0.113.10", "198.51.100.20"


@pytest.fixture
def user(db):
    return UserFactory(username="can.bo")


def log_in(client, password, forwarded_for):
    return client.post(
        "/accounts/login/", {"username": "can.bo", "password": password}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for
    )


def five_wrong_passwords(client, forwarded_for):
    statuses = [log_in(client, "sai-mat-khau", forwarded_for).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth locks


@override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=1)
def test_behind_the_proxy_five_wrong_passwords_lock_that_client_and_not_another(client, user):
    five_wrong_passwords(client, CLIENT_A)
    assert log_in(client, "secret-pass-123", CLIENT_A).status_code == 429
    assert log_in(client, "secret-pass-123", CLIENT_B).status_code == 302


@override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=1)
def test_a_client_cannot_dodge_the_lockout_by_writing_its_own_forwarded_for(client, user):
    # nginx appends the address it sees; whatever the client wrote stays to the left of it.
    for spoofed in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        log_in(client, "sai-mat-khau", f"{spoofed}, {CLIENT_A}")
    assert log_in(client, "secret-pass-123", f"9.9.9.9, {CLIENT_A}").status_code == 429
    assert log_in(client, "secret-pass-123", CLIENT_B).status_code == 302


@override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=1)
def test_a_malformed_forwarded_for_falls_back_to_the_connecting_address(client, user):
    five_wrong_passwords(client, "not-an-address")
    assert log_in(client, "secret-pass-123", "also-not-one").status_code == 429


@override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=0)
def test_without_a_proxy_configured_the_header_is_ignored(client, user):
    five_wrong_passwords(client, CLIENT_A)
    # A forged header does not make a fresh address: the lockout still holds for the connection's.
    assert log_in(client, "secret-pass-123", CLIENT_B).status_code == 429


def test_the_proxy_count_comes_from_the_environment_and_is_off_by_default(settings):
    assert settings.TRUSTED_PROXIES == 0
    assert settings.AXES_CLIENT_IP_CALLABLE == "tracker.proxies.client_ip_address"
