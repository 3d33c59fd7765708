"""The order's timeline page: who may see the order sees its whole journey in one list."""

from django.http import Http404
from django.views.generic import TemplateView

from hubs import selectors
from hubs.models import Order
from hubs.roles import Perm, can_act_for, can_oversee, memberships_of

from .timeline import order_timeline


class OrderTimelineView(TemplateView):
    template_name = "pipeline/order_timeline.html"

    def get_context_data(self, **kwargs):
        if not self.request.user.is_authenticated:
            raise Http404
        try:
            order = selectors.order_visible_to(
                user=self.request.user, reference=self.kwargs["reference"][:12]
            )
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
        user = self.request.user
        seats = memberships_of(user)
        moments = order_timeline(
            order,
            organization_ids=[seat.organization_id for seat in seats],
            finance_organization_ids=[
                seat.organization_id
                for seat in seats
                if can_act_for(user, seat.organization, Perm.FINANCES_READ)
            ],
            oversee=can_oversee(user),
        )
        return super().get_context_data(order=order, moments=moments, **kwargs)
