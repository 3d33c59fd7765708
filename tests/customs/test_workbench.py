"""The officers' workbench: the hub's queue by lane, a declaration with its reasons, and the
decision; officers of other hubs and traders see nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customs.models import WatchListEntry
from hubs.models import User
from tests import factories

from .test_risk import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def red(hgh, tariff):
    WatchListEntry.objects.create(name="Chen Jing", reason="earlier seizure")
    return submitted(hgh)


def test_the_queue_shows_what_waits_at_the_officers_hub(client, red, officer, hgh):
    client.force_login(officer)
    page = client.get("/customs/?lane=red")
    assert page.status_code == 200
    assert [d.reference for d in page.context["declarations"]] == [red.reference]
    assert ("red", "Red: physical inspection", 1) in page.context["lanes"]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get("/customs/")
        return len(captured)

    few = queries()
    for _ in range(3):
        submitted(hgh)
    assert queries() == few


def test_the_officer_reads_the_reasons_and_decides(client, red, officer):
    client.force_login(officer)
    page = client.get(f"/customs/declarations/{red.reference}/").content.decode()
    assert "watch list" in page and "earlier seizure" in page
    client.post(
        f"/customs/declarations/{red.reference}/",
        {"decision": "reject", "reason": "Counterfeit goods"},
    )
    red.refresh_from_db()
    assert red.status == "rejected"
    assert red.transitions.last().reason == "Counterfeit goods"


def test_others_see_nothing(client, red, kul):
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    client.force_login(elsewhere)
    assert client.get(f"/customs/declarations/{red.reference}/").status_code == 404
    client.force_login(factories.member(factories.SellerFactory()))
    assert client.get("/customs/").status_code == 403


def test_the_lane_mix_is_shown_next_to_its_targets(client, red, officer, hgh, settings):
    settings.CUSTOMS_LANE_TARGET_SHARES = (70, 15, 10, 5)
    client.force_login(officer)
    mix = client.get("/customs/").context["mix"]
    assert [(count, share, target) for _, count, share, target in mix] == [
        (0, 0.0, 70),
        (0, 0.0, 15),
        (0, 0.0, 10),
        (1, 100.0, 5),
    ]


def test_lane_settings_are_checked_at_start_up(settings):
    from customs.checks import lane_settings_check

    assert lane_settings_check(None) == []
    settings.CUSTOMS_LANE_THRESHOLDS = (30, 10, 60)
    settings.CUSTOMS_LANE_TARGET_SHARES = (70, 15, 10)
    assert [e.id for e in lane_settings_check(None)] == ["customs.E001", "customs.E002"]
