"""Owners manage where their own systems receive webhooks: register, disable, re-key, test
and delete endpoints, and read what was sent (the same services as the API)."""

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from ewtp.common import webhook_endpoints as endpoints
from ewtp.common.errors import ApplicationError
from ewtp.common.webhooks import EVENTS

from ..portal import form_error_from
from ..roles import OrganizationMixin, Perm

LOG_LENGTH = 20


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Receiver URL (https)"), max_length=500, assume_scheme="https"
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(name, name) for name in EVENTS],
        widget=forms.CheckboxSelectMultiple,
    )


class WebhooksView(OrganizationMixin, TemplateView):
    """One API client's webhook endpoints, each with its latest deliveries."""

    permission = Perm.ORGANIZATION_MANAGE
    template_name = "hubs/webhooks.html"
    ACTIONS = ("disable", "enable", "rotate", "test", "delete")

    def client(self):
        link = (
            self.organization.api_clients.select_related("api_client__application")
            .filter(api_client__application__client_id=self.kwargs["client_id"])
            .first()
        )
        if link is None:
            raise Http404
        return link.api_client

    def get_context_data(self, form=None, **kwargs):
        client = self.client()
        rows = [
            (endpoint, endpoints.webhook_deliveries_of(endpoint)[:LOG_LENGTH])
            for endpoint in endpoints.webhook_endpoints_of(client)
        ]
        return super().get_context_data(
            client=client, rows=rows, form=form or EndpointForm(), events=EVENTS, **kwargs
        )

    def post(self, request, client_id):
        client = self.client()
        action = request.POST.get("action", "")
        if action == "add":
            return self._add(request, client)
        if action not in self.ACTIONS:
            return redirect("hubs:webhooks", client_id=client_id)
        try:
            endpoint = endpoints.webhook_endpoint_get(
                api_client=client, public_id=uuid.UUID(request.POST.get("endpoint", ""))
            )
        except (ApplicationError, ValueError):
            raise Http404 from None
        return self._act(request, client_id, action, endpoint)

    def _add(self, request, client):
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = endpoints.webhook_endpoint_create(
                    api_client=client, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                form_error_from(form, error)
            else:
                return self.render_to_response(self.get_context_data(secret_for=endpoint))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def _act(self, request, client_id, action, endpoint):
        user = request.user
        try:
            if action in ("disable", "enable"):
                endpoints.webhook_endpoint_update(
                    endpoint=endpoint, is_active=action == "enable", actor=user
                )
                messages.success(
                    request,
                    _("Endpoint enabled.") if action == "enable" else _("Endpoint disabled."),
                )
            elif action == "rotate":
                endpoint = endpoints.webhook_endpoint_secret_rotate(endpoint=endpoint, actor=user)
                return self.render_to_response(self.get_context_data(secret_for=endpoint))
            elif action == "test":
                endpoints.webhook_endpoint_test(endpoint=endpoint)
                messages.success(request, _("Test event queued: its delivery appears below."))
            else:
                endpoints.webhook_endpoint_delete(endpoint=endpoint, actor=user)
                messages.success(request, _("Endpoint deleted."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("hubs:webhooks", client_id=client_id)
