"""Small pieces the portal views share."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from ewtp.common.errors import ApplicationError

from ..roles import Perm, can_act_for, current_organization


def form_error_from(form, error: ApplicationError) -> None:
    """Show a service's refusal on the form, on its field when it names one the form has."""
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, error.message)


class OrganizationMixin:
    """Portal views that act for the user's organisation, with ``permission`` in it (else 403)."""

    permission: Perm = Perm.ORGANIZATION_VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.organization = current_organization(request.user)
        if self.organization is None or not can_act_for(
            request.user, self.organization, self.permission
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(organization=self.organization, **kwargs)
