"""The officers' register of permits of other agencies: the permits presented to their
country's customs, and a form to register one (also on a declaration's page)."""

from django.shortcuts import redirect
from django.views.generic import TemplateView

from .. import selectors
from ..forms import PermitForm
from ..models.permits import PERMIT_LAW
from .workbench import WorkbenchMixin, permit_register_from


class PermitsView(WorkbenchMixin, TemplateView):
    template_name = "customs/permits.html"

    def get_context_data(self, **kwargs):
        hub = self.request.user.official_hub
        if "form" not in kwargs:
            kwargs["form"] = PermitForm(holders=selectors.permit_holders_for_hub(hub=hub))
        return super().get_context_data(
            hub=hub,
            law=PERMIT_LAW.get(hub.country.code, ""),
            permits=selectors.permits_of_country(country=hub.country.code)[:300],
            **kwargs,
        )

    def post(self, request):
        form = PermitForm(
            request.POST, holders=selectors.permit_holders_for_hub(hub=request.user.official_hub)
        )
        if permit_register_from(request, form):
            return redirect("customs:permits")
        return self.render_to_response(self.get_context_data(form=form), status=400)
