"""Returns of cross-border retail imports: goods a consumer sends back in their original
state, which reach the supervision site they left within 30 days of their release, are not
taxed, and the consumer's annual total under the limits is reduced by them (GACC Announcement
2018 No. 194; the 30 days are checked where the goods are received back, warehousing/law.py).
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ewtp.common.audit import audit_record

from ..models import CbecAnnualTotal, Declaration
from .parties import buyer_key

RETURNS_RULE = "GACC Announcement 2018 No. 194 (retail import returns)"


def declaration_goods_returned(*, declaration: Declaration, actor_label: str) -> Declaration:
    """Record that a released retail import's goods came back: its share of the consumer's
    annual total is given back. Once: a repeated call changes nothing."""
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if (
            locked.goods_returned_at is not None
            or locked.regime != Declaration.Regime.CN_CBEC_IMPORT
            or locked.status != Declaration.Status.RELEASED
        ):
            return locked
        given_back = locked.cbec_reserved_minor
        if given_back:
            CbecAnnualTotal.objects.filter(
                buyer_key=buyer_key(locked.importer_id_reference), year=locked.declared_on.year
            ).update(total_minor=F("total_minor") - given_back)
        locked.goods_returned_at = timezone.now()
        locked.cbec_reserved_minor = 0
        locked.save(update_fields=["goods_returned_at", "cbec_reserved_minor"])
        audit_record(
            actor=None,
            actor_label=actor_label,
            action="customs.declaration.goods_returned",
            target=locked,
            reason=RETURNS_RULE,
            data={"annual_total_given_back_minor": given_back},
        )
    return locked
