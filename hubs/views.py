"""Portal pages of the hubs app: validate, call selectors/services, render."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST
from django.views.generic import ListView, TemplateView

from . import selectors
from .forms.accounts import EmailAuthenticationForm, LanguageForm
from .models import Hub
from .roles import Perm, PermissionRequiredMixin, can_see_hub_officials, navigation_for, roles_of


class LandingView(TemplateView):
    template_name = "hubs/landing.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(hubs=selectors.hub_list(), **kwargs)


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "hubs/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            roles=roles_of(user),
            organizations=selectors.organizations_of(user=user),
            shortcuts=navigation_for(user)[1:],
            **kwargs,
        )


class MyOrganizationView(PermissionRequiredMixin, TemplateView):
    permission = Perm.ORGANIZATION_VIEW
    template_name = "hubs/my_organization.html"

    def get_context_data(self, **kwargs):
        organizations = selectors.organizations_with_members(user=self.request.user)
        return super().get_context_data(organizations=organizations, **kwargs)


class OrganizationListView(PermissionRequiredMixin, ListView):
    permission = Perm.ORGANIZATIONS_OVERSEE
    template_name = "hubs/organization_list.html"
    context_object_name = "organizations"
    paginate_by = 50

    def get_queryset(self):
        return selectors.organization_list_for(user=self.request.user)


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


@require_POST
def language_switch(request):
    """Set the portal language (cookie), then go back. An unknown code is a 400 with the reason."""
    form = LanguageForm(request.POST)
    if not form.is_valid() or not check_for_language(form.cleaned_data["language"]):
        return render(request, "hubs/language_error.html", {"form": form}, status=400)
    target = form.cleaned_data["next"] or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        form.cleaned_data["language"],
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
