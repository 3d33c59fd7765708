"""What every app's portal pages share: the guard of pages that belong to a hub's own
officials, and a service's refusal shown on the form that asked for it."""

from django.http import Http404

from ewtp.common.errors import ApplicationError

from .roles import PermissionRequiredMixin, has_permission


class HubOfficialMixin(PermissionRequiredMixin):
    """Pages of one hub's work (its customs lanes, its floor): whoever holds ``permission``
    without being posted to a hub (an administrator) finds no page here, rather than every
    hub's work at once. ``not_posted`` says why, for the logs."""

    not_posted = "This page belongs to a hub's own officials."

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (
            user.is_authenticated
            and has_permission(user, self.permission)
            and user.official_hub_id is None
        ):
            raise Http404(self.not_posted)
        return super().dispatch(request, *args, **kwargs)


def form_error_from(form, error: ApplicationError) -> None:
    """Show a service's refusal on the form, on its field when it names one the form has."""
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, error.message)
