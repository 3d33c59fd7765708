"""China's retail imports carry their supervision mode: 9610 when flown to the consumer (the
default), 1210 when sold from bonded stock, which names the site the goods leave; no other
regime takes one."""

from datetime import date
from decimal import Decimal as D

import pytest

from customs.services.filing import DeclarationRequest, ItemRequest, declaration_create
from ewtp.common.errors import ApplicationError

pytestmark = pytest.mark.django_db


def request(hgh, **terms):
    return DeclarationRequest(
        **{
            "regime": "CN_CBEC_IMPORT",
            "hub": hgh,
            "exporter": "Batik Nusantara Sdn. Bhd.",
            "importer": "Chen Jing",
            "importer_id_reference": "33010519491231002X",
            "declarant": "eWTP Hub HGH",
            "currency": "CNY",
            "exchange_rate": D("1"),
            "exchange_rate_source": "identity",
            "declared_on": date(2026, 3, 2),
            "items": [ItemRequest("62141000", "Batik silk scarf", "MY", 1, D("0.2"), D("200"))],
            **terms,
        }
    )


def test_a_retail_import_is_9610_unless_it_leaves_bonded_stock(hgh, tariff):
    flown = declaration_create(request=request(hgh), actor_label="t")
    assert (flown.supervision_mode, flown.customs_site_code) == ("9610", "")
    bonded = declaration_create(
        request=request(hgh, supervision_mode="1210", customs_site_code="2991w"),
        actor_label="t",
    )
    assert (bonded.supervision_mode, bonded.customs_site_code) == ("1210", "2991W")


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"supervision_mode": "1210"}, "customs_site_code"),
        ({"supervision_mode": "9999"}, "supervision_mode"),
        ({"regime": "CN_IMPORT", "supervision_mode": "1210"}, "supervision_mode"),
    ],
)
def test_a_mode_that_does_not_fit_is_refused(hgh, tariff, terms, field):
    with pytest.raises(ApplicationError) as refused:
        declaration_create(request=request(hgh, **terms), actor_label="t")
    assert refused.value.extra["field"] == field
