"""The demo's tools on portal pages, for officers, when DEMO_TOOLS is on (nothing otherwise).

``{% fast_forward order %}``: the fast-forward's button for the order, with what the next
press does (or who must act first)."""

from django import template
from django.conf import settings

from hubs.roles import can_oversee

from ..fast_forward_plan import order_fast_forward_plan

register = template.Library()


@register.inclusion_tag("demo/includes/fast_forward.html", takes_context=True)
def fast_forward(context, order) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (settings.DEMO_TOOLS and can_oversee(user)):
        return {"show": False}
    return {"show": True, "order": order, "plan": order_fast_forward_plan(order)}
