from .forms.accounts import LanguageForm
from .navigation import navigation_for
from .roles import ROLE_LABELS, roles_of


def portal(request):
    """Navigation for the signed-in user's roles, and the language switcher, on every page."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "nav_items": navigation_for(user) if signed_in else [],
        "role_labels": [ROLE_LABELS[r] for r in sorted(roles_of(user))] if signed_in else [],
        # the zone the page's times are in (hubs.middleware), named in the footer
        "viewer_hub": getattr(request, "viewer_hub", None),
        "language_form": LanguageForm(
            initial={"language": getattr(request, "LANGUAGE_CODE", "en")}
        ),
    }
