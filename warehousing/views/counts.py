"""Cycle counts and adjustments on the warehouse floor, for the operators posted to the
warehouse's hub. A count is blind and bounded: one location at a time, its lots with units
on the books or held by orders, a field each for the units found and never the books beside
it, at most MAX_LOTS_PER_COUNT lots a page. Goods that leave the stock damaged, expired or
destroyed are asked for beside it. In a bonded warehouse both wait for a customs officer of
the hub, the hub's policy under customs supervision (warehousing.law.ADJUSTMENTS)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError

from .. import law, selectors
from ..forms import AdjustmentRequestForm, CycleCountForm, errors_to_forms
from ..models import Adjustment, StockLot
from ..services.adjustments import MAX_LOTS_PER_COUNT, adjustment_request, cycle_count
from ..services.adjustments import Count as LotCount
from .floor import FloorMixin

# what there is to count: units on the books, or units that orders hold
TO_COUNT = Q(on_hand__gt=0) | Q(reserved__gt=0)


class CycleCountView(FloorMixin, TemplateView):
    """One warehouse (in the path), one location (``?location=CODE``, the first with units by
    default), a page of its lots (``?page=N``): the count, and the goods that leave the stock
    other than by an order."""

    template_name = "warehousing/cycle_count.html"

    def _place(self, warehouse) -> dict:
        """The locations with something to count, the one chosen, its page of lots and the
        adjustments of the warehouse that wait for an officer."""
        locations = locations_to_count(warehouse_id=warehouse.pk)
        code = self.request.GET.get("location", "")[:20]
        # a location asked for that has nothing to count shows nothing, not another one
        location = code if code in locations else (None if code else next(iter(locations), None))
        page = Paginator(
            lots_to_count(warehouse_id=warehouse.pk, location_code=location or ""),
            MAX_LOTS_PER_COUNT,
        ).get_page(self.request.GET.get("page"))
        waiting = [
            adjustment
            for adjustment in selectors.adjustments_awaiting(
                hub_id=self.request.user.official_hub_id
            )
            if adjustment.stock_lot.warehouse_id == warehouse.pk
        ]
        return {
            "locations": locations,
            "location": location,
            "location_asked": code,
            "page_obj": page,
            "lots": list(page.object_list),
            "waiting": waiting,
            "waiting_by_lot": {adjustment.stock_lot_id: adjustment for adjustment in waiting},
        }

    def get_context_data(self, **kwargs):
        warehouse = kwargs.pop("warehouse", None) or self._warehouse(self.kwargs["code"])
        place = kwargs.pop("place", None) or self._place(warehouse)
        lots, waiting_by_lot = place["lots"], place["waiting_by_lot"]
        kwargs.setdefault("count_form", CycleCountForm(lots=lots, waiting=waiting_by_lot))
        kwargs.setdefault(
            "adjust_form",
            AdjustmentRequestForm(lots=lots, initial={"lot": self.request.GET.get("lot", "")}),
        )
        return super().get_context_data(
            warehouse=warehouse,
            countable=any(lot.pk not in waiting_by_lot for lot in lots),
            law=law.ADJUSTMENTS,
            here=self._here(place),
            **place,
            **kwargs,
        )

    def _here(self, place) -> str:
        """This page's query: where a form posts and a success comes back to."""
        query = {"location": place["location"] or ""}
        if place["page_obj"].number > 1:
            query["page"] = place["page_obj"].number
        return f"{self.request.path}?{urlencode(query)}"

    def post(self, request, code):
        warehouse = self._warehouse(code)
        place = self._place(warehouse)
        if request.POST.get("action") == "adjust":
            return self._adjust(request, warehouse, place)
        form = CycleCountForm(request.POST, lots=place["lots"], waiting=place["waiting_by_lot"])
        if form.is_valid():
            counts = form.counts()
            try:
                adjustments = cycle_count(
                    warehouse=warehouse,
                    counts=[LotCount(stock_lot_id=pk, counted=n) for pk, n in counts.items()],
                    actor=request.user,
                )
            except ApplicationError as error:
                _count_error(form, error, list(counts))
            else:
                messages.success(request, _counted(warehouse, len(counts), adjustments))
                return redirect(self._here(place))
        return self.render_to_response(
            self.get_context_data(warehouse=warehouse, place=place, count_form=form)
        )

    def _adjust(self, request, warehouse, place):
        form = AdjustmentRequestForm(request.POST, lots=place["lots"])
        if form.is_valid():
            try:
                adjustment = adjustment_request(
                    stock_lot=form.chosen_lot(),
                    kind=form.cleaned_data["kind"],
                    quantity=-form.cleaned_data["quantity"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as error:
                errors_to_forms(error, form)
            else:
                if adjustment.status == Adjustment.Status.REQUESTED:
                    messages.success(
                        request,
                        _(
                            "Adjustment requested: the units stay on the books until a customs "
                            "officer approves it."
                        ),
                    )
                else:
                    messages.success(request, _("Adjustment applied: the units left the stock."))
                return redirect(self._here(place))
        return self.render_to_response(
            self.get_context_data(warehouse=warehouse, place=place, adjust_form=form)
        )


def _count_error(form, error, lot_ids) -> None:
    """A refusal of ``counts.<n>`` lands on the n-th lot counted, any other above the form."""
    parts = (error.extra.get("field") or "").split(".")
    if len(parts) >= 2 and parts[0] == "counts" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(lot_ids):
            form.add_error(f"lot_{lot_ids[index]}", error.message)
            return
    form.add_error(None, error.message)


def _counted(warehouse, counted: int, adjustments) -> str:
    if not adjustments:
        return ngettext(
            "%(count)s lot counted: it matches the books, nothing to adjust.",
            "%(count)s lots counted: they match the books, nothing to adjust.",
            counted,
        ) % {"count": counted}
    if warehouse.is_bonded:
        return ngettext(
            "%(count)s difference recorded: it waits for a customs officer's approval "
            "before the stock changes.",
            "%(count)s differences recorded: they wait for a customs officer's approval "
            "before the stock changes.",
            len(adjustments),
        ) % {"count": len(adjustments)}
    return ngettext(
        "%(count)s difference applied to the stock.",
        "%(count)s differences applied to the stock.",
        len(adjustments),
    ) % {"count": len(adjustments)}


# Reads of this page alone: no other page or app asks for them.
def locations_to_count(*, warehouse_id: int) -> dict[str, int]:
    """Location code → how many of its lots have something to count, in code order (one
    query)."""
    return dict(
        StockLot.objects.filter(TO_COUNT, warehouse_id=warehouse_id)
        .values("location__code")
        .annotate(lots=Count("id"))
        .order_by("location__code")
        .values_list("location__code", "lots")
    )


def lots_to_count(*, warehouse_id: int, location_code: str):
    """The lots of one location with something to count, in a stable order for paging (a
    query for the count, one for the page)."""
    return (
        StockLot.objects.filter(TO_COUNT, warehouse_id=warehouse_id, location__code=location_code)
        .select_related("product", "location")
        .order_by("product__sku", "lot", "id")
    )
