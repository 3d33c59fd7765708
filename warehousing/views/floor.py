"""The warehouse floor, for the operators posted to the warehouses' hub: shipments expected
and arrived (record the arrival, count them in), the pick list (orders released by customs,
or paid from stock that is not bonded: picked and packed, labelled, handed to the courier),
the courier's scans (out for delivery, delivered), returns back into stock.
Cycle counts and adjustments have their own page (counts.py)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError, ConflictError, NotFoundError
from ewtp.common.http import attachment
from hubs.portal import HubOfficialMixin
from hubs.roles import Perm

from .. import documents, selectors
from ..forms import (
    ArrivalForm,
    LineCountFormSet,
    errors_to_forms,
)
from ..law import RETURNS
from ..models import Fulfilment, FulfilmentEvent, InboundShipment
from ..services.fulfilment import fulfilment_dispatch, fulfilment_pack, fulfilment_scan
from ..services.inbound import inbound_arrive, inbound_receive
from ..services.returns import return_receive

SCANS = {
    "out_for_delivery": FulfilmentEvent.Code.OUT_FOR_DELIVERY,
    "delivered": FulfilmentEvent.Code.DELIVERED,
}


class FloorMixin(HubOfficialMixin):
    permission = Perm.HUB_FLOOR
    not_posted = "The warehouse floor belongs to a hub's operators."

    def _warehouse(self, code: str):
        """A warehouse of the operator's hub; a 404 for any other."""
        try:
            warehouse = selectors.warehouse_by_code(code=code[:20])
        except NotFoundError:
            raise Http404("No such warehouse.") from None
        if warehouse.hub_id != self.request.user.official_hub_id:
            raise Http404("No such warehouse at your hub.")
        return warehouse


class FloorView(FloorMixin, TemplateView):
    """One warehouse of the hub at a time (``?warehouse=CODE``, the first by default)."""

    template_name = "warehousing/floor.html"

    def get_context_data(self, **kwargs):
        warehouses = selectors.warehouses_at(hub_id=self.request.user.official_hub_id)
        code = self.request.GET.get("warehouse", "")
        warehouse = next((w for w in warehouses if w.code == code), None)
        if code and warehouse is None:
            raise Http404("No such warehouse at your hub.")
        warehouse = warehouse or (warehouses[0] if warehouses else None)
        context = {"warehouses": warehouses, "warehouse": warehouse, "returns_law": RETURNS}
        if warehouse is not None:
            shipments = selectors.inbound_waiting(warehouse_id=warehouse.pk)
            context |= {
                "expected": [s for s in shipments if s.status == InboundShipment.Status.BOOKED],
                "arrived": [s for s in shipments if s.status == InboundShipment.Status.ARRIVED],
                "pick_list": selectors.fulfilments_to_pick(warehouse=warehouse),
                "packed": selectors.fulfilments_packed(warehouse_id=warehouse.pk),
                "dispatched": selectors.fulfilments_of_warehouse(
                    warehouse_id=warehouse.pk, status=Fulfilment.Status.DISPATCHED
                ),
            }
        return super().get_context_data(**context, **kwargs)

    def post(self, request):
        action = request.POST.get("action", "")
        try:
            fulfilment = _fulfilment_at_hub(
                waybill=request.POST.get("waybill", ""), hub_id=request.user.official_hub_id
            )
        except Http404:
            # a waybill typed or scanned wrong: say so on the floor, not on an error page
            messages.error(request, _("No order of your hub's warehouses has this waybill."))
            return redirect(request.get_full_path())
        try:
            if action in SCANS:
                fulfilment_scan(fulfilment=fulfilment, code=SCANS[action], actor=request.user)
                messages.success(request, self._scanned(action, fulfilment))
            elif action == "return":
                return_receive(
                    fulfilment=fulfilment,
                    actor=request.user,
                    location_code=request.POST.get("location", "")[:20],
                    reason=request.POST.get("reason", "").strip()[:200],
                )
                messages.success(
                    request,
                    _("Return %(waybill)s received back into stock: its units can be sold again.")
                    % {"waybill": fulfilment.waybill},
                )
            else:
                raise Http404("Unknown action.")
        except ApplicationError as error:
            messages.error(request, error.message)
        query = urlencode({"warehouse": fulfilment.warehouse.code})
        return redirect(f"{request.path}?{query}")

    @staticmethod
    def _scanned(action, fulfilment) -> str:
        if action == "delivered":
            return _(
                "%(waybill)s delivered: the consumer is told, and the seller's payment follows "
                "the order's confirmation."
            ) % {"waybill": fulfilment.waybill}
        return _("%(waybill)s is out for delivery: scan it again when it is delivered.") % {
            "waybill": fulfilment.waybill
        }


class FulfilmentStepView(FloorMixin, View):
    """One step of an order's goods on the floor, from the button on its row: the waybill is
    in the path, another hub's is a 404, and a refusal (a double click, a step already
    taken) is a message on the floor."""

    http_method_names = ["post"]
    step = None  # the service: (*, fulfilment, actor) -> Fulfilment

    def post(self, request, waybill):
        fulfilment = _fulfilment_at_hub(waybill=waybill, hub_id=request.user.official_hub_id)
        try:
            self.step(fulfilment=fulfilment, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, self.done(fulfilment))
        query = urlencode({"warehouse": fulfilment.warehouse.code})
        return redirect(f"{reverse('warehousing:floor')}?{query}")

    def done(self, fulfilment) -> str:
        raise NotImplementedError


class FulfilmentPackView(FulfilmentStepView):
    """Picked and packed: the order's units leave the shelf for a parcel under its waybill."""

    step = staticmethod(fulfilment_pack)

    def done(self, fulfilment) -> str:
        return _(
            "%(waybill)s picked and packed: print its label, put it on the parcel and hand the "
            "parcel to the courier."
        ) % {"waybill": fulfilment.waybill}


class FulfilmentDispatchView(FulfilmentStepView):
    """Handed to the courier: the order is on its way to the consumer (the pipeline ships it)."""

    step = staticmethod(fulfilment_dispatch)

    def done(self, fulfilment) -> str:
        return _(
            "%(waybill)s handed to the courier: the order is on its way. Scan it out for "
            "delivery, then delivered."
        ) % {"waybill": fulfilment.waybill}


class InboundCountView(FloorMixin, TemplateView):
    """One shipment at the dock: record its arrival (under its entry declaration in a bonded
    warehouse), then count it in line by line."""

    template_name = "warehousing/inbound_count.html"

    def _shipment(self) -> InboundShipment:
        try:
            return selectors.inbound_shipment_of(
                public_id=self.kwargs["public_id"], hub_id=self.request.user.official_hub_id
            )
        except NotFoundError:
            raise Http404("No such shipment at your hub.") from None

    @staticmethod
    def _count_forms(lines, data=None):
        """One form per line of the notice, in line order: the service's ``lines.<n>``
        refusals name them by that position."""
        return LineCountFormSet(
            data,
            prefix="lines",
            initial=[{"line": line.pk, "damaged": 0} for line in lines],
        )

    def get_context_data(self, **kwargs):
        shipment = kwargs.pop("shipment", None) or self._shipment()
        lines = list(shipment.lines.all())
        if shipment.status == InboundShipment.Status.BOOKED:
            kwargs.setdefault("arrival_form", ArrivalForm())
        if shipment.status == InboundShipment.Status.ARRIVED:
            kwargs.setdefault("formset", self._count_forms(lines))
        if "formset" in kwargs:
            kwargs["rows"] = list(zip(lines, kwargs["formset"].forms, strict=False))
        return super().get_context_data(shipment=shipment, lines=lines, **kwargs)

    def post(self, request, public_id):
        shipment = self._shipment()
        action = request.POST.get("action", "")
        if action == "arrive":
            return self._arrive(request, shipment)
        if action == "receive":
            return self._receive(request, shipment)
        raise Http404("Unknown action.")

    def _arrive(self, request, shipment):
        form = ArrivalForm(request.POST)
        if form.is_valid():
            try:
                inbound_arrive(
                    shipment=shipment,
                    actor=request.user,
                    entry_declaration=form.cleaned_data["entry_declaration"],
                )
            except ApplicationError as error:
                errors_to_forms(error, form)
            else:
                messages.success(
                    request,
                    _("Arrival of %(reference)s recorded: count the goods in now.")
                    % {"reference": shipment.reference},
                )
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(shipment=shipment, arrival_form=form))

    def _receive(self, request, shipment):
        lines = list(shipment.lines.all())
        formset = self._count_forms(lines, request.POST)
        if formset.is_valid():
            try:
                received = inbound_receive(
                    shipment=shipment,
                    counts=[form.count() for form in formset.forms],
                    actor=request.user,
                )
            except ApplicationError as error:
                if not errors_to_forms(error, None, formset.forms):
                    messages.error(request, error.message)
            else:
                messages.success(request, self._received(received))
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(shipment=shipment, formset=formset))

    @staticmethod
    def _received(shipment) -> str:
        found = getattr(shipment, "discrepancies_found", 0)
        if found:
            return ngettext(
                "%(reference)s counted in with %(count)s discrepancy: the seller is e-mailed.",
                "%(reference)s counted in with %(count)s discrepancies: the seller is e-mailed.",
                found,
            ) % {"reference": shipment.reference, "count": found}
        return _("%(reference)s counted in as announced: its units can be sold now.") % {
            "reference": shipment.reference
        }


class PackingLabelView(FloorMixin, View):
    """The 100 × 150 mm label of an order's packed goods: the domestic waybill, the consumer
    and the warehouse they leave."""

    def get(self, request, waybill):
        fulfilment = _fulfilment_at_hub(waybill=waybill, hub_id=request.user.official_hub_id)
        try:
            label = documents.packing_label_pdf(
                fulfilment, lines=list(fulfilment.order.lines.all())
            )
        except ConflictError as error:  # still on the pick list: nothing is packed yet
            return HttpResponse(error.message, status=409, content_type="text/plain; charset=utf-8")
        return attachment(
            label,
            content_type="application/pdf",
            filename=f"{fulfilment.waybill}.pdf",
            inline=True,
        )


def _fulfilment_at_hub(*, waybill: str, hub_id: int):
    fulfilment = selectors.fulfilment_at_hub(waybill=waybill, hub_id=hub_id)
    if fulfilment is None:
        raise Http404("No such waybill at your hub.")
    return fulfilment


# Reads of the floor's own queues: no other page or app asks for them.
