from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views.generic import TemplateView

from .. import selectors
from ..models import Hub
from ..roles import can_see_hub_officials


class HubListView(LoginRequiredMixin, TemplateView):
    template_name = "hubs/hub_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(hubs=selectors.hub_list(), **kwargs)


class HubDetailView(LoginRequiredMixin, TemplateView):
    template_name = "hubs/hub_detail.html"

    def get_context_data(self, **kwargs):
        try:
            hub = selectors.hub_get(code=self.kwargs["code"])
        except Hub.DoesNotExist:
            raise Http404("No such hub.") from None
        sees_officials = can_see_hub_officials(self.request.user, hub)
        return super().get_context_data(
            hub=hub,
            eroads_in=selectors.eroads_into(hub=hub),
            officials=selectors.hub_officials(hub=hub) if sees_officials else None,
            **kwargs,
        )
