"""The customs officers' pages of their hub's bonded warehouses: the bonded ledger, a month at
a time, reconciled with the warehouse's shelf records; and the adjustments of bonded stock
that wait for their approval, the hub's policy under customs supervision
(warehousing.law.ADJUSTMENTS)."""

import uuid
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.months import month_added, month_after, month_of, month_parsed, month_start
from hubs.portal import HubOfficialMixin
from hubs.roles import Perm

from .. import law, selectors
from ..models import Adjustment, Warehouse
from ..services.adjustments import adjustment_decide


class OfficerMixin(HubOfficialMixin):
    permission = Perm.CUSTOMS_WORKBENCH
    not_posted = "The bonded ledger belongs to a hub's customs officers."


def ledger_month(value: str) -> date:
    """The month the ledger shows (``YYYY-MM``, years 2000 to this one); this month when
    absent, wrong or still to come."""
    this_month = month_of(timezone.now())
    month = month_parsed(value)
    return month if month is not None and date(2000, 1, 1) <= month <= this_month else this_month


@dataclass(frozen=True)
class LedgerTotals:
    opening: int
    came_in: int
    released: int
    returned: int
    adjusted: int
    destroyed: int
    closing: int
    physical: int | None
    awaiting_pick: int | None
    difference: int | None
    counted_pending: int | None

    @classmethod
    def of(cls, rows) -> "LedgerTotals":
        counted = bool(rows) and rows[0].physical is not None

        def total(name):
            return sum(getattr(row, name) for row in rows)

        def spread(name):
            # every SKU's figure counts: a surplus of one does not hide a loss of another
            return sum(abs(getattr(row, name)) for row in rows) if counted else None

        return cls(
            opening=total("opening"),
            came_in=total("came_in"),
            released=total("released"),
            returned=total("returned"),
            adjusted=total("adjusted"),
            destroyed=total("destroyed"),
            closing=total("closing"),
            physical=total("physical") if counted else None,
            awaiting_pick=total("awaiting_pick") if counted else None,
            difference=spread("difference"),
            counted_pending=spread("counted_pending"),
        )

    @property
    def reconciles(self) -> bool:
        """Zero difference and no count difference waiting for an officer."""
        return self.difference == 0 and self.counted_pending == 0


class BondedLedgerView(OfficerMixin, TemplateView):
    """One bonded warehouse of the hub (``?warehouse=CODE``, the first by default), one month
    (``?month=YYYY-MM``, this month by default): on PostgreSQL the page reads that month's
    ledger rows and those before it only."""

    template_name = "warehousing/ledger.html"

    def get_context_data(self, **kwargs):
        hub_id = self.request.user.official_hub_id
        warehouses = selectors.warehouses_at(hub_id=hub_id, bonded=True)
        code = self.request.GET.get("warehouse", "")
        warehouse = next((w for w in warehouses if w.code == code), None)
        if code and warehouse is None:
            raise Http404("No such bonded warehouse at your hub.")
        warehouse = warehouse or (warehouses[0] if warehouses else None)
        month = ledger_month(self.request.GET.get("month", ""))
        rows = []
        if warehouse is not None:
            rows = selectors.bonded_ledger(
                warehouse=warehouse,
                start=month_start(month),
                end=month_start(month_after(month)),
            )
        this_month = month_of(timezone.now())
        return super().get_context_data(
            warehouses=warehouses,
            warehouse=warehouse,
            rows=rows,
            totals=LedgerTotals.of(rows),
            counted=month == this_month,
            month=month,
            previous_month=month_added(month, -1),
            next_month=month_after(month) if month < this_month else None,
            awaiting=len(selectors.adjustments_awaiting(hub_id=hub_id)),
            laws=_laws(warehouse),
            **kwargs,
        )


def _laws(warehouse) -> list:
    """What the ledger is kept under: mode 1210, the instrument of the warehouse's kind of
    site, the hub's policy on adjustments and the returns' rules."""
    site = {
        Warehouse.SiteKind.ZONE: law.SITE_ZONE,
        Warehouse.SiteKind.CENTRE_B: law.SITE_CENTRE_B,
    }.get(warehouse.site_kind if warehouse is not None else "")
    return [rule for rule in (law.MODE_1210, site, law.ADJUSTMENTS, law.RETURNS) if rule]


class AdjustmentQueueView(OfficerMixin, TemplateView):
    """Changes of bonded stock that are not a declared entry or exit, oldest first: approve
    (the stock and the ledger change) or reject with a note. A count shows what was counted,
    what the books said then and what they say now, so that a lot changed since shows."""

    template_name = "warehousing/adjustments.html"

    def get_context_data(self, **kwargs):
        adjustments = selectors.adjustments_awaiting(hub_id=self.request.user.official_hub_id)
        return super().get_context_data(
            adjustments=sorted(adjustments, key=lambda a: (a.created_at, a.pk)),
            law=law.ADJUSTMENTS,
            **kwargs,
        )

    def post(self, request):
        adjustment = self._adjustment(request.POST.get("adjustment", ""))
        approve = request.POST.get("decision") == "approve"
        try:
            adjustment_decide(
                adjustment=adjustment,
                approve=approve,
                actor=request.user,
                note=request.POST.get("note", "").strip()[:300],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if approve:
                messages.success(
                    request,
                    _(
                        "%(document)s approved: the stock and the bonded ledger changed by "
                        "%(units)s."
                    )
                    % {"document": adjustment.document, "units": f"{adjustment.quantity:+}"},
                )
            else:
                messages.success(
                    request,
                    _("%(document)s rejected: the stock and the bonded ledger stay as they were.")
                    % {"document": adjustment.document},
                )
        return redirect("warehousing:adjustments")

    def _adjustment(self, public_id: str) -> Adjustment:
        try:
            public_id = uuid.UUID(public_id)
        except ValueError:
            raise Http404("No such adjustment.") from None
        adjustment = selectors.adjustment_at_hub(
            public_id=public_id, hub_id=self.request.user.official_hub_id
        )
        if adjustment is None:
            raise Http404("No such adjustment at your hub.")
        return adjustment
