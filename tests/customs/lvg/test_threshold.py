"""An unregistered seller is told when its LVG sales near the registration threshold: a
to-do at 80 %, and each email once, however often the watch runs."""

from decimal import Decimal

import pytest
from django.utils import timezone

from customs.lvg import lvg_sale_value, lvg_sales_total
from customs.models import LvgThresholdNotice
from customs.services.lvg import lvg_threshold_sweep, lvg_threshold_watch
from customs.todo import declaration_todos
from tests import factories

from .support import lvg_emails, registered, sold

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kul", "hgh", "lanes_by_rule")]
D = Decimal


def test_the_threshold_todo_at_80_percent_and_each_email_once(client, seller, threshold_1000):
    organization, owner = seller
    staff = factories.member(organization, role="staff")
    sold(organization, value="400.00")
    sold(organization, value="180.00", currency="CNY", rate="0.65")  # RM117.00 at customs' rate
    sold(organization, value="600.00")  # over the RM500 LVG ceiling: not low value goods
    sold(organization, value="300.00", hs_code="220300")  # beer: excluded from LVG
    today = timezone.localdate()
    assert lvg_sales_total(organization=organization, on=today).total == D("517.00")
    assert declaration_todos(user=owner, organization=organization) == []
    assert lvg_threshold_watch(organization=organization) == []

    sold(organization, value="290.00")  # RM807.00: 80.7 % of RM1,000
    sales = lvg_sales_total(organization=organization, on=today)
    assert (sales.total, sales.share_percent, sales.mark) == (D("807.00"), D("80.7"), 80)
    (todo,) = declaration_todos(user=owner, organization=organization)
    assert "RM807.00" in todo.title and "80.7 %" in todo.title
    assert todo.url == "/customs/lvg/registration/"
    assert declaration_todos(user=staff, organization=organization) == []  # the owners register
    client.force_login(owner)
    home = client.get("/home/").content.decode()
    assert "Enter your LVG registration" in home and "/customs/lvg/registration/" in home
    assert lvg_threshold_sweep() == [organization.pk]
    assert lvg_threshold_sweep() == [] and lvg_threshold_watch(organization=organization) == []
    (email,) = lvg_emails()
    assert "nears the LVG registration threshold" in email.subject
    assert owner.email in email.recipients and "RM807.00" in email.body

    sold(organization, value="200.00")  # RM1,007.00: over the threshold, liable to register
    (todo,) = declaration_todos(user=owner, organization=organization)
    assert "over the RM1,000 threshold" in todo.title
    assert lvg_threshold_watch(organization=organization) == [100]
    assert lvg_threshold_sweep() == []  # told already: nothing more, however often it runs
    assert len(lvg_emails()) == 2 and "must register" in lvg_emails()[1].subject
    assert set(LvgThresholdNotice.objects.values_list("mark", flat=True)) == {80, 100}

    registered(organization, owner, effective_from=today)
    assert declaration_todos(user=owner, organization=organization) == []


def test_a_seller_passing_both_marks_at_once_gets_one_email(seller, threshold_1000):
    organization, _owner = seller
    for _ in range(3):
        sold(organization, value="400.00")
    assert lvg_threshold_sweep() == [organization.pk]
    (email,) = lvg_emails()
    assert "must register" in email.subject
    assert LvgThresholdNotice.objects.count() == 2


def test_the_running_total_counts_what_the_engine_taxes_as_lvg(seller):
    """Cross-check with the engine: the value the watch counts for a consignment is the
    base of the LVG lines the engine assesses for a registered seller."""
    organization, owner = seller
    registered(organization, owner)
    declaration = sold(organization, value="333.33", currency="CNY", rate="0.6543")
    bases = sum(line.base for line in declaration.assessment_lines.filter(tax="lvg_sales_tax"))
    assert bases == D("218.10")  # 333.33 × 0.6543 = 218.098…, to the sen
    items = [(i.hs_code, i.value) for i in declaration.items.all()]
    assert lvg_sale_value(items, D("0.6543"), D("500"), ["22"]) == bases
