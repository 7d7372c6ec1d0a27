from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES"


def test_every_interface_string_has_a_vietnamese_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_the_compiled_catalogue_is_up_to_date():
    compiled = polib.mofile(str(LOCALE / "django.mo"))
    source = polib.pofile(str(LOCALE / "django.po"))
    assert {e.msgid: e.msgstr for e in compiled if not e.msgid_plural} == {
        e.msgid: e.msgstr for e in source if not e.msgid_plural and not e.obsolete
    }


@pytest.mark.django_db
def test_the_interface_is_vietnamese_even_for_an_english_browser(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Đăng nhập" in page.content.decode()


@pytest.mark.django_db
def test_english_is_available_with_the_language_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/accounts/login/")
    assert "Log in" in page.content.decode()
