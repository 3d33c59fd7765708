"""The demo's fast-forward of an order (fast_forward.py), for officers, with DEMO_TOOLS on."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from ewtp.common.errors import ApplicationError
from hubs import selectors
from hubs.models import Order
from hubs.roles import can_oversee

from .fast_forward import Outcome, order_fast_forward


class OrderFastForwardView(View):
    """POST only: one press of the fast-forward, then back to the order's page with what it
    did and what the order waits for now. Without DEMO_TOOLS there is no such page."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not settings.DEMO_TOOLS or not request.user.is_authenticated:
            raise Http404
        if not can_oversee(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, reference):
        try:
            order = selectors.order_visible_to(user=request.user, reference=reference[:12])
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
        try:
            outcome = order_fast_forward(
                order=order, actor=request.user, leg=request.POST.get("leg", "")
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            _tell(request, outcome)
        return redirect("hubs:order_detail", reference=order.reference)


def _tell(request, outcome: Outcome) -> None:
    if outcome.done:
        messages.success(request, " ".join(outcome.done))
    if outcome.error:
        messages.error(request, outcome.error)
    if outcome.moved_on:
        messages.info(
            request,
            _("That step was already done (the page was out of date): nothing more was done."),
        )
    messages.info(request, outcome.plan.text)
