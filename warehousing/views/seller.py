"""The seller's pages: its stock per warehouse and SKU, its inbound shipments, a shipment
booked (the advance shipping notice), followed and, until it arrives, cancelled."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError, NotFoundError
from hubs.roles import OrganizationMixin, Perm
from hubs.selectors import products_of

from .. import selectors
from ..forms import (
    InboundForm,
    InboundLineFormSet,
    errors_to_forms,
    filled_line_forms,
    filled_lines,
)
from ..models import InboundShipment
from ..selectors.stock import COVER_WINDOW_DAYS
from ..services.inbound import inbound_book, inbound_cancel


class SellerMixin(OrganizationMixin):
    """Pages of the seller's stock: a member who manages its catalogue."""

    permission = Perm.CATALOGUE_MANAGE


class StockReportView(SellerMixin, TemplateView):
    template_name = "warehousing/stock.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rows=selectors.stock_report(seller=self.organization),
            cover_days=COVER_WINDOW_DAYS,
            **kwargs,
        )


class InboundListView(SellerMixin, TemplateView):
    template_name = "warehousing/inbound_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            shipments=selectors.inbound_of_seller(seller_id=self.organization.pk), **kwargs
        )


class InboundBookView(SellerMixin, TemplateView):
    """The advance shipping notice: to which warehouse, when, and what (product, lot, expiry
    and quantity per line)."""

    template_name = "warehousing/inbound_form.html"

    def _forms(self, data=None):
        products = {
            str(product.public_id): product for product in products_of(seller=self.organization)
        }
        warehouses = selectors.warehouses_for_seller(seller=self.organization)
        form = InboundForm(data, warehouses=warehouses)
        formset = InboundLineFormSet(data, prefix="lines", form_kwargs={"products": products})
        return form, formset

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"], kwargs["formset"] = self._forms()
        return super().get_context_data(**kwargs)

    def post(self, request):
        form, formset = self._forms(request.POST)
        if form.is_valid() and formset.is_valid():
            try:
                shipment = inbound_book(
                    seller=self.organization,
                    warehouse=form.chosen_warehouse(),
                    expected_on=form.cleaned_data["expected_on"],
                    carrier_reference=form.cleaned_data["carrier_reference"],
                    lines=filled_lines(formset),
                    actor=request.user,
                )
            except ApplicationError as error:
                errors_to_forms(error, form, filled_line_forms(formset))
            else:
                messages.success(
                    request,
                    _(
                        "Shipment %(reference)s booked. Put this reference on the goods' "
                        "papers: the warehouse counts them in against it."
                    )
                    % {"reference": shipment.reference},
                )
                return redirect("warehousing:inbound_detail", public_id=shipment.public_id)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


class InboundDetailView(SellerMixin, TemplateView):
    template_name = "warehousing/inbound_detail.html"

    def _shipment(self) -> InboundShipment:
        try:
            return selectors.inbound_shipment_of(
                public_id=self.kwargs["public_id"], seller_id=self.organization.pk
            )
        except NotFoundError:
            raise Http404("No such shipment of your organisation.") from None

    def get_context_data(self, **kwargs):
        shipment = self._shipment()
        return super().get_context_data(
            shipment=shipment,
            lines=list(shipment.lines.all()),
            may_cancel=shipment.can_become(InboundShipment.Status.CANCELLED),
            **kwargs,
        )

    def post(self, request, public_id):
        shipment = self._shipment()
        if request.POST.get("action") == "cancel":
            try:
                inbound_cancel(
                    shipment=shipment,
                    actor=request.user,
                    reason=request.POST.get("reason", "").strip()[:200],
                )
                messages.success(
                    request,
                    _("Shipment %(reference)s cancelled: the warehouse no longer expects it.")
                    % {"reference": shipment.reference},
                )
            except ApplicationError as error:
                messages.error(request, error.message)
        return redirect("warehousing:inbound_detail", public_id=public_id)
