"""Two releases at once (PostgreSQL) never draw more than the permit holds."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from customs.models import Declaration
from customs.services.clearance import declaration_process
from customs.services.filing import declaration_create
from tests.concurrency import postgres_only

from ..test_declarations import request
from .support import drawdowns_balance, gateway, sirim

pytestmark = pytest.mark.django_db
D = Decimal


def _released_at_once(kul_importer, amount) -> list[str]:
    permit = sirim(kul_importer, amount=amount)
    declarations = [
        declaration_create(
            request=request(
                kul_importer["kul"],
                regime="MY_IMPORT",
                exporter="Shenzhen IoT Co., Ltd.",
                importer=kul_importer["importer"].legal_name,
                importer_id_reference="",
                currency="MYR",
                organization=kul_importer["importer"],
                items=[gateway(4)],
            ),
            actor_label="t",
        )
        for _ in range(2)
    ]
    Declaration.objects.filter(pk__in=[d.pk for d in declarations]).update(status="submitted")
    barrier = threading.Barrier(2)

    def run(declaration_id):
        barrier.wait()
        try:
            declaration_process(declaration_id=declaration_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d.pk,)) for d in declarations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    permit.refresh_from_db()
    assert permit.balance == drawdowns_balance(permit) >= 0
    return sorted(
        Declaration.objects.filter(pk__in=[d.pk for d in declarations]).values_list(
            "status", flat=True
        )
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_never_draw_more_than_the_permit_holds(hs_nomenclature, kul_importer):
    assert _released_at_once(kul_importer, D("6")) == ["held", "released"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_both_go_when_the_permit_holds_both(hs_nomenclature, kul_importer):
    assert _released_at_once(kul_importer, D("8")) == ["released", "released"]
