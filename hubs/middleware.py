"""The portal shows times, and reads the times typed into its forms, in the viewer's hub's
time zone."""

from django.utils import timezone

from .roles import current_organization


def viewer_hub(user):
    """An official's hub, or the home hub of the organisation a member works for; None for
    anyone else (who sees UTC)."""
    if user is None or not user.is_authenticated:
        return None
    if user.official_hub_id:
        return user.official_hub
    organization = current_organization(user)
    return organization.home_hub if organization is not None else None


class ViewerTimeZoneMiddleware:
    """Portal pages only: the API speaks UTC (ISO 8601 with its offset) whoever calls it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hub = None if request.path.startswith("/api/") else viewer_hub(request.user)
        request.viewer_hub = hub
        if hub is not None:
            timezone.activate(hub.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
