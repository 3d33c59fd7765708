"""An order's one next step for whoever looks at it, on every page of the order (the order,
its payment, its parcels): what they have to do, or what the order waits for."""

from django import template

from ..roles import current_organization
from ..todo import order_waits_for, todos_for

register = template.Library()


@register.inclusion_tag("hubs/includes/next_step.html", takes_context=True)
def order_next_step(context, order) -> dict:
    user = context["request"].user
    actions = todos_for(user=user, organization=current_organization(user), order=order)
    return {"next_action": actions[0] if actions else None, "waits_for": order_waits_for(order)}
