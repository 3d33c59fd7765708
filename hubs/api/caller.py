"""Who is calling the API: a sales channel, or an organisation's own system."""

from dataclasses import dataclass

from rest_framework.permissions import BasePermission

from ewtp.common.models import ApiClient

from ..models import Organization


@dataclass(frozen=True)
class Caller:
    client: ApiClient
    organization: Organization | None  # set for an organisation's own client

    @property
    def is_channel(self) -> bool:
        return self.client.kind == ApiClient.Kind.CHANNEL

    @property
    def label(self) -> str:
        return f"API client {self.client.application.name}"


def caller_of(request) -> Caller:
    cached = getattr(request, "_hub_caller", None)
    if cached is None:
        client = request.auth.application.api_client
        link = getattr(client, "organization_link", None)
        organization = (
            Organization.objects.select_related("home_hub").get(pk=link.organization_id)
            if link
            else None
        )
        cached = request._hub_caller = Caller(client=client, organization=organization)
    return cached


class IsOrganizationClient(BasePermission):
    message = "Only an organisation's own API client may call this."

    def has_permission(self, request, view):
        return caller_of(request).organization is not None


class IsChannelOrOrganizationClient(BasePermission):
    message = "Only sales channels and organisations' own API clients may call this."

    def has_permission(self, request, view):
        caller = caller_of(request)
        return caller.is_channel or caller.organization is not None
