"""Two transactions at once (PostgreSQL): two entries of a registration leave one in force,
two threshold watches send each email once."""

from datetime import date

import pytest

from customs.models import LvgRegistration
from customs.services.lvg import LvgRegistrationRequest, lvg_registration_enter, lvg_threshold_watch
from tests import factories
from tests.concurrency import at_once, postgres_only

from .support import lvg_emails, sold

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kul", "hgh", "lanes_by_rule")]


def entry(organization, owner, number):
    return lambda: lvg_registration_enter(
        organization=organization,
        request=LvgRegistrationRequest(number, date(2024, 1, 1)),
        actor=owner,
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_entries_at_once_leave_one_registration_in_force(seller, kul):
    organization, owner = seller
    results = at_once(
        entry(organization, owner, "LVG-2401-00000001"),
        entry(organization, owner, "LVG-2401-00000002"),
    )
    assert sorted(type(result).__name__ for result in results) == [
        "ConflictError",
        "LvgRegistration",
    ]
    assert LvgRegistration.objects.filter(organization=organization).count() == 1
    # the negative control: two sellers entering at once both register
    other = factories.SellerFactory(home_hub=kul)
    third = factories.SellerFactory(home_hub=kul)
    results = at_once(
        entry(other, factories.member(other), "LVG-2401-00000003"),
        entry(third, factories.member(third), "LVG-2401-00000004"),
    )
    assert [type(result).__name__ for result in results] == ["LvgRegistration"] * 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_watches_at_once_send_each_email_once(seller, threshold_1000):
    organization, _owner = seller
    for _ in range(3):
        sold(organization, value="400.00")
    results = at_once(
        lambda: lvg_threshold_watch(organization=organization),
        lambda: lvg_threshold_watch(organization=organization),
    )
    assert sorted(results, key=len) == [[], [80, 100]]
    assert len(lvg_emails()) == 1
