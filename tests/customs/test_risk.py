"""Risk lanes: every fired rule recorded with its weight, reproducible random selection,
green and blue released at once, yellow and red decided by an officer of the hub."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from customs.models import CbecAnnualTotal, Declaration, LaneDecision, RiskRule, WatchListEntry
from customs.services.decisions import declaration_decide
from customs.services.filing import declaration_amend, declaration_create
from customs.services.parties import buyer_key
from customs.services.risk import _draw
from ewtp.common.errors import ApplicationError, NotAllowedError
from ewtp.common.models import OutboxEvent
from hubs.models import User
from tests import factories

from .support import submit_and_process, with_agreeing_records
from .test_declarations import request, scarf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes_by_rule")]
D = Decimal


def submitted(hgh, **changes):
    """Submitted and processed, with order, payment and waybill records that agree."""
    declaration = declaration_create(request=request(hgh, **changes), actor_label="t")
    return submit_and_process(with_agreeing_records(declaration))


def test_a_new_exporter_goes_blue_and_is_released_and_counted(hgh):
    declaration = submitted(hgh)
    decision = LaneDecision.objects.get(declaration=declaration)
    assert (decision.lane, decision.score) == ("blue", 10)
    assert [f["code"] for f in decision.rules_fired] == ["new_exporter"]
    assert declaration.status == "released"
    total = CbecAnnualTotal.objects.get(buyer_key=buyer_key("11010519491231002X"), year=2026)
    assert total.total_minor == 18000
    event = OutboxEvent.objects.get(name="customs.declaration_decided")
    assert event.payload["status"] == "released"


def test_a_watch_listed_party_goes_red_and_waits_for_the_hubs_officer(hgh, kul):
    WatchListEntry.objects.create(name="Chen Jing", reason="earlier seizure")
    declaration = submitted(hgh)
    assert (declaration.status, declaration.lane) == ("lane", "red")
    decision = declaration.lane_decisions.get()
    assert {f["code"] for f in decision.rules_fired} == {"watch_list", "new_exporter"}
    assert decision.score == 70
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    with pytest.raises(NotAllowedError):
        declaration_decide(
            declaration=declaration, decision="release", reason="ok", actor=elsewhere
        )
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    with pytest.raises(ApplicationError):
        declaration_decide(declaration=declaration, decision="release", reason=" ", actor=officer)
    held = declaration_decide(
        declaration=declaration, decision="hold", reason="Open the parcel", actor=officer
    )
    assert held.status == "held"
    released = declaration_decide(
        declaration=held, decision="release", reason="Inspected: as declared", actor=officer
    )
    assert released.status == "released"
    assert released.transitions.last().reason == "Inspected: as declared"


def test_random_selection_is_reproducible_with_the_seed(hgh):
    RiskRule.objects.filter(code="random").update(enabled=True, parameters={"rate": 1.0})
    declaration = submitted(hgh)
    assert "random" in {f["code"] for f in declaration.lane_decisions.get().rules_fired}
    first = _draw(declaration)
    assert _draw(Declaration.objects.get(pk=declaration.pk)) == first
    with override_settings(CUSTOMS_RISK_SEED="another-sample"):
        assert _draw(declaration) != first


def test_splitting_under_the_threshold_is_caught(hgh):
    for value in ("2000.00", "2000.00"):
        submitted(hgh, items=[scarf(value=D(value))])
    third = submitted(hgh, items=[scarf(value=D("1500.00"))])
    fired = {f["code"] for f in third.lane_decisions.get().rules_fired}
    assert "splitting" in fired  # each under RMB 5,000, together 5,500


def test_undervaluation_against_the_exporters_history(hgh):
    for _ in range(3):
        submitted(hgh, items=[scarf(value=D("180.00"))], declared_on=date(2026, 2, 1))
    cheap = submitted(hgh, items=[scarf(value=D("40.00"))])
    fired = {f["code"]: f["reason"] for f in cheap.lane_decisions.get().rules_fired}
    assert "undervaluation" in fired and "median" in fired["undervaluation"]


def test_declared_below_what_was_paid(hgh):
    declaration = submitted(hgh, paid_amount=D("400.00"))
    assert "below_paid" in {f["code"] for f in declaration.lane_decisions.get().rules_fired}


def test_declarations_waiting_in_a_lane_hold_their_share_of_the_annual_limit(hgh):
    WatchListEntry.objects.create(name="Chen Jing", reason="earlier seizure")  # all go red
    CbecAnnualTotal.objects.create(
        buyer_key=buyer_key("11010519491231002X"), year=2026, total_minor=2_000_000
    )
    treatments = [submitted(hgh, items=[scarf(value=D("2900.00"))]).treatment for _ in range(3)]
    assert treatments == ["cbec", "cbec", "general"]  # 20,000 + 2,900 + 2,900 > 26,000
    total = CbecAnnualTotal.objects.get(buyer_key=buyer_key("11010519491231002X"))
    assert total.total_minor == 2_000_000 + 2 * 290_000
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    first = Declaration.objects.filter(treatment="cbec").first()
    declaration_decide(declaration=first, decision="reject", reason="Counterfeit", actor=officer)
    total.refresh_from_db()
    assert total.total_minor == 2_000_000 + 290_000  # a rejection gives its share back


def test_an_amendment_never_releases_what_an_officer_holds(hgh):
    declaration = submitted(hgh, paid_amount=D("400.00"))  # declared 180: below paid → yellow
    assert declaration.lane == "yellow"
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    held = declaration_decide(
        declaration=declaration, decision="hold", reason="Show the invoice", actor=officer
    )
    amended = declaration_amend(
        declaration=held,
        items=[scarf(value=D("400.00"))],
        reason="Corrected value",
        actor_label="seller",
    )
    assert (amended.status, amended.lane) == ("lane", "yellow")  # back to the officer
