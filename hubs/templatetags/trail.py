"""The audit trail in people's words: an action's label instead of its code."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS = {
    "hubs.kyc.submitted": _("Submitted for review"),
    "hubs.kyc.approved": _("Approved"),
    "hubs.kyc.rejected": _("Rejected"),
    "hubs.kyc.more_info_requested": _("More information requested"),
    "hubs.kyc.reopened": _("Back in review after a change"),
    "hubs.kyc.document_uploaded": _("Document uploaded"),
    "hubs.organization.created": _("Organisation created"),
    "hubs.organization.registered": _("Organisation registered"),
    "hubs.organization.updated": _("Details changed"),
}


@register.filter
def action_label(action: str) -> str:
    """``hubs.kyc.submitted`` → "Submitted for review"; an action without a label reads as
    its entity and verb ("Product created") rather than as a code."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    parts = action.split(".")[1:] or [action]
    return " ".join(parts).replace("_", " ").capitalize()
