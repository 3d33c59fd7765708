"""Who acts at a warehouse: the seller's members for its shipments and stock, the operators
posted to the warehouse's hub for the floor, its customs officers for approvals. The system
(actor None) acts anywhere."""

from django.utils.translation import gettext as _

from ewtp.common.errors import NotAllowedError
from ewtp.common.states import state_change
from hubs.roles import Perm, can_act_for, has_permission

from ..errors import WarehousingErrorCode
from ..models import Warehouse


def label_of(actor, fallback: str = "system") -> str:
    return actor.email if actor is not None else fallback


def check_seller(actor, seller) -> None:
    if actor is not None and not can_act_for(actor, seller, Perm.CATALOGUE_MANAGE):
        raise NotAllowedError(
            _("Only members of the seller manage its stock."), WarehousingErrorCode.NOT_SELLER
        )


def check_operator(actor, warehouse: Warehouse) -> None:
    if actor is not None and not (
        has_permission(actor, Perm.HUB_FLOOR) and actor.official_hub_id == warehouse.hub_id
    ):
        raise NotAllowedError(
            _("Only the operators of this warehouse's hub handle its goods."),
            WarehousingErrorCode.NOT_YOUR_HUB,
        )


def check_officer(actor, warehouse: Warehouse) -> None:
    if actor is None or not (
        has_permission(actor, Perm.CUSTOMS_WORKBENCH) and actor.official_hub_id == warehouse.hub_id
    ):
        raise NotAllowedError(
            _("Only the customs officers of this warehouse's hub decide on its bonded stock."),
            WarehousingErrorCode.NOT_YOUR_HUB,
        )


def move(instance, to: str, *, refusal, action: str, actor=None, actor_label: str = "", **options):
    """The warehousing app's one shape of ``state_change``: the actor's label by default,
    and the locked row back."""
    locked, _moved = state_change(
        instance,
        to,
        refusal=refusal,
        action=action,
        actor=actor,
        actor_label=actor_label or label_of(actor),
        **options,
    )
    return locked
