"""Step 6, while the buyer's confirmation window runs: a customs hold of the order's goods
(an import declaration held by an officer or by the three-record match) pauses the window,
so escrow is not released by time while the buyer cannot have the goods; the release (or a
rejection, which ends the hold) runs it on, its deadline moved by the time it was paused."""

from customs.events import DeclarationDecided
from customs.selectors import declaration_held_of
from ewtp.common.outbox import subscribe
from hubs.models import Order
from hubs.selectors import order_by_id
from hubs.services.orders import order_confirmation_pause, order_confirmation_resume


@subscribe(
    "customs.declaration_decided",
    name="pipeline.window_paused_on_hold",
    when=lambda event: event.order_id is not None,
)
def window_paused_on_hold(event: DeclarationDecided) -> None:
    order = order_by_id(order_id=event.order_id)
    if order.status != Order.Status.DELIVERED:
        return  # the window is not running
    window_follow_holds(order)


def window_follow_holds(order: Order) -> None:
    """Pause the window while any declaration of the order is held, run it otherwise (also
    called at the delivered scan, for goods delivered while a hold was open)."""
    held = declaration_held_of(order=order)
    if held is not None:
        order_confirmation_pause(
            order=order,
            reason=f"Customs hold of declaration {held.reference}",
            actor_label="pipeline",
        )
    else:
        order_confirmation_resume(order=order, reason="Customs hold ended", actor_label="pipeline")
