"""The cart, placing an order, the order list and the order page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from ewtp.common.errors import ApplicationError

from .. import cart, selectors
from ..forms.orders import AddToCartForm, CancelOrderForm, PlaceOrderForm
from ..models import Order, Product
from ..roles import (
    OrganizationMixin,
    Perm,
    can_act_for,
    can_oversee,
)
from ..services.carriage import order_charges_quote
from ..services.orders import order_cancel
from ..services.placement import LineRequest, OrderRequest, order_place


class CartAddView(OrganizationMixin, View):
    permission = Perm.ORDERS_TRADE

    def post(self, request, public_id):
        try:
            product = selectors.catalogue_product(
                destination=self.organization.home_hub, public_id=public_id
            )
        except (Product.DoesNotExist, ValueError):
            raise Http404("No such listing.") from None
        form = AddToCartForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
            return redirect("hubs:catalogue_product", public_id=public_id)
        try:
            cart.cart_add(request.session, product, form.cleaned_data["quantity"])
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("hubs:catalogue_product", public_id=public_id)
        messages.success(request, _("Added to your cart."))
        return redirect("hubs:cart")


class CartView(OrganizationMixin, TemplateView):
    permission = Perm.ORDERS_TRADE
    template_name = "hubs/cart.html"

    def _lines(self):
        return cart.cart_lines(
            self.request.session, selectors.catalogue_for(destination=self.organization.home_hub)
        )

    def get_context_data(self, form=None, **kwargs):
        lines = self._lines()
        total = sum((line.total for line in lines[1:]), lines[0].total) if lines else None
        return super().get_context_data(
            lines=lines,
            total=total,
            charges=self._charges(lines, total),
            form=form or self._form(lines),
            **kwargs,
        )

    def _charges(self, lines, total):
        """The shipping and insurance the order would be charged if placed now."""
        if not lines:
            return None
        try:
            return order_charges_quote(
                origin=lines[0].product.seller.home_hub,
                destination=self.organization.home_hub,
                goods=total,
                weight_kg=sum(line.weight_kg for line in lines),
            )
        except ApplicationError:
            return None  # no rate to convert the tariff with: placing the order says so

    def _form(self, lines, data=None) -> PlaceOrderForm:
        """The buyer pays in its own currency where the hub takes it, or in the seller's."""
        currencies = [self.organization.currency] if lines else []
        currencies = [c for c in currencies if c in settings.PAYMENT_CURRENCIES]
        if lines:
            currencies.append(lines[0].product.seller.currency)
        return PlaceOrderForm(data, currencies=currencies or [self.organization.currency])

    def post(self, request):
        if "update" in request.POST:
            for key, value in request.POST.items():
                if key.startswith("qty-"):
                    # a bounded, ASCII whole number, or the line goes
                    valid = value.isascii() and value.isdecimal() and len(value) <= 6
                    quantity = int(value) if valid else 0
                    cart.cart_set(request.session, key[4:], quantity)
            return redirect("hubs:cart")
        lines = self._lines()
        form = self._form(lines, request.POST)
        if not form.is_valid() or not lines:
            messages.error(
                request,
                _("Your cart is empty.")
                if not lines
                else _("Choose an incoterm and the currency you pay in."),
            )
            return redirect("hubs:cart")
        order_request = OrderRequest(
            seller=lines[0].product.seller,
            destination_hub=self.organization.home_hub,
            buyer=self.organization,
            incoterm=form.cleaned_data["incoterm"],
            payment_currency=form.cleaned_data["payment_currency"],
            lines=[
                LineRequest(product_id=line.product.pk, quantity=line.quantity) for line in lines
            ],
        )
        try:
            order = order_place(request=order_request, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("hubs:cart")
        cart.cart_clear(request.session)
        messages.success(request, _("Order %(reference)s placed.") % {"reference": order.reference})
        return redirect("hubs:order_detail", reference=order.reference)


class OrderListView(ListView):
    template_name = "hubs/order_list.html"
    context_object_name = "orders"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        orders = selectors.orders_visible_to(user=self.request.user)
        status = self.request.GET.get("status", "")
        if status in Order.Status.values:
            orders = orders.filter(status=status)
        return orders.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=Order.Status.choices, status=self.request.GET.get("status", ""), **kwargs
        )


class OrderDetailView(TemplateView):
    template_name = "hubs/order_detail.html"

    def _order(self):
        if not self.request.user.is_authenticated:
            raise Http404
        try:
            return selectors.order_visible_to(
                user=self.request.user, reference=self.kwargs["reference"]
            )
        except Order.DoesNotExist:
            raise Http404("No such order.") from None

    def _can_cancel(self, order):
        user = self.request.user
        party = can_act_for(user, order.seller, Perm.ORDERS_TRADE) or (
            order.buyer_id and can_act_for(user, order.buyer, Perm.ORDERS_TRADE)
        )
        return bool(party) and order.status in Order.UNPAID

    def get_context_data(self, form=None, **kwargs):
        order = self._order()
        user = self.request.user
        transitions = list(order.transitions.all())
        return super().get_context_data(
            order=order,
            lines=selectors.order_lines(order=order, user=user),
            transitions=transitions,
            progress=selectors.order_progress(order=order, transitions=transitions),
            can_cancel=self._can_cancel(order),
            form=form or CancelOrderForm(),
            read_only=can_oversee(self.request.user),
            **kwargs,
        )

    def post(self, request, reference):
        order = self._order()
        form = CancelOrderForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            order_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Order cancelled; the stock is released."))
        return redirect("hubs:order_detail", reference=reference)
