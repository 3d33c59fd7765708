"""Three languages, every string translated, bad language codes explained."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.mark.parametrize(
    ("code", "nav_label"),
    [("ms", "Hab dan laluan-e"), ("zh-hans", "枢纽与电子通道"), ("en", "Hubs and e-roads")],
)
def test_switching_language_translates_the_portal(client, sme_owner, code, nav_label):
    client.force_login(sme_owner)
    client.cookies["django_language"] = "ms" if code == "en" else "en"  # start elsewhere
    response = client.post("/language/", {"language": code, "next": "/home/"})
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    page = client.get("/home/").content.decode()
    assert nav_label in page
    assert f'<html lang="{code}">' in page


@pytest.mark.parametrize("code", ["xx", "", "de", "<script>"])
def test_an_unknown_language_is_a_400_with_the_reason(client, code):
    response = client.post("/language/", {"language": code})
    assert response.status_code == 400
    body = response.content.decode()
    assert (
        "Choose English, Bahasa Malaysia or Simplified Chinese" in body
        or "Choose a language" in body
    )
    assert "<script>" not in body.split("<main")[1]


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/language/", {"language": "ms", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_language_switch_is_post_only(client):
    assert client.get("/language/").status_code == 405


@pytest.mark.parametrize("language", ["ms", "zh_Hans"])
def test_every_string_is_translated_and_compiled(language):
    po = polib.pofile(LOCALE / language / "LC_MESSAGES" / "django.po")
    mo = polib.mofile(LOCALE / language / "LC_MESSAGES" / "django.mo")
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    compiled = {(e.msgid, e.msgstr or e.msgstr_plural.get(0)) for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgid, entry.msgstr or entry.msgstr_plural[0]) in compiled, (
            f"{entry.msgid!r} changed in the .po but the .mo was not recompiled (make messages)"
        )


def test_english_dates_are_day_first_on_a_24_hour_clock():
    from datetime import datetime

    from django.utils import formats, translation

    with translation.override("en"):
        shown = formats.date_format(datetime(2026, 12, 6, 15, 59), "SHORT_DATETIME_FORMAT")
        assert shown == "06/12/2026 15:59"  # not 12/06/2026 3:59 p.m.
        assert "%d/%m/%Y" in formats.get_format("DATE_INPUT_FORMATS")
        assert "%m/%d/%Y" not in formats.get_format("DATE_INPUT_FORMATS")
