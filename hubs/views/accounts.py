"""Landing, sign-in, sign-up, invitations, the home page and the language switch."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.http import client_network
from ewtp.common.throttles import KeyedThrottle, retry_after_minutes, throttle_check

from .. import selectors
from ..authentication import normalise_email
from ..forms.accounts import EmailAuthenticationForm, LanguageForm
from ..forms.organizations import AcceptInvitationForm, SignUpForm
from ..navigation import navigation_for
from ..portal import form_error_from
from ..roles import Perm, can_act_for, current_organization, roles_of
from ..services.organizations import (
    OrganizationDetails,
    invitation_accept,
    invitation_find,
    organization_register,
)
from ..todo import onboarding_steps, todos_for


class LandingView(TemplateView):
    template_name = "hubs/landing.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(hubs=selectors.hub_list(), **kwargs)


class GlossaryView(TemplateView):
    """The words of trade the pages use, in plain language, for anyone."""

    template_name = "hubs/glossary.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            confirmation_days=settings.ESCROW_CONFIRMATION_WINDOW.days, **kwargs
        )


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, limited per address and per e-mail address asked for. The e-mail's
    count is kept whether or not an account has that address, so a refusal (429, a form
    error and Retry-After) says nothing about which addresses are accounts."""

    def form_valid(self, form):
        wait = throttle_check(
            KeyedThrottle("password_reset_address", client_network(self.request)),
            KeyedThrottle("password_reset_email", normalise_email(form.cleaned_data["email"])),
        )
        if wait is None:
            return super().form_valid(form)
        minutes = retry_after_minutes(wait)
        form.add_error(
            None,
            ngettext(
                "Several reset links were asked for in a short time. Check your inbox and spam "
                "folder, or try again in %(minutes)s minute.",
                "Several reset links were asked for in a short time. Check your inbox and spam "
                "folder, or try again in %(minutes)s minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role's starting page is what waits for it (hubs.todo); a new SME also sees its
    first steps, and a trading one its latest sales, purchases and listings."""

    template_name = "hubs/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        organization = current_organization(user)
        context = {
            "roles": roles_of(user),
            "organization": organization,
            "todos": todos_for(user=user, organization=organization),
            "shortcuts": navigation_for(user)[1:],
        }
        if organization is not None and can_act_for(user, organization, Perm.ORGANIZATION_MANAGE):
            steps = onboarding_steps(organization=organization)
            undone = [step for step in steps if not step["done"]]
            if undone:
                undone[0]["first_to_do"] = True  # the step to take now, as a button
                context.update(onboarding=steps, onboarding_done=sum(s["done"] for s in steps))
        if organization is not None and can_act_for(user, organization, Perm.ORDERS_TRADE):
            orders = selectors.orders_visible_to(user=user, organization=organization)
            context.update(
                sales=orders.filter(seller=organization)[:5],
                purchases=orders.filter(buyer=organization)[:5],
                listing_count=selectors.products_of(seller=organization).count(),
                imports=selectors.imports_of(seller=organization)[:5],
            )
        return super().get_context_data(**context, **kwargs)


class SignUpView(FormView):
    """An organisation joins the hub with its first owner; verification (KYC) comes next."""

    template_name = "hubs/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("hubs:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        details = OrganizationDetails(
            **{
                name: data[name]
                for name in OrganizationDetails.__dataclass_fields__
                if name != "country"
            },
            country=str(data["country"]),
        )
        try:
            organization = organization_register(
                details=details,
                owner_email=data["owner_email"],
                owner_name=data["owner_name"],
                owner_password=data["password1"],
            )
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        owner = organization.memberships.get().user
        login(self.request, owner, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request, _("Welcome! Upload your documents to get verified and start selling.")
        )
        return redirect("hubs:verification")


class InvitationAcceptView(View):
    template_name = "hubs/invitation_accept.html"

    def _invitation(self, token):
        try:
            return invitation_find(token=token), None
        except ApplicationError as error:
            return None, error.message

    def get(self, request, token):
        invitation, problem = self._invitation(token)
        form = AcceptInvitationForm(email=invitation.email) if invitation else None
        return render(
            request,
            self.template_name,
            {"invitation": invitation, "problem": problem, "form": form},
            status=200 if invitation else 404,
        )

    def post(self, request, token):
        invitation, problem = self._invitation(token)
        if invitation is None:
            return render(request, self.template_name, {"problem": problem}, status=404)
        form = None
        try:
            if request.user.is_authenticated:
                invitation_accept(token=token, user=request.user)
            else:
                form = AcceptInvitationForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return render(
                        request,
                        self.template_name,
                        {"invitation": invitation, "form": form},
                        status=400,
                    )
                membership = invitation_accept(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except ApplicationError as error:
            return render(
                request,
                self.template_name,
                {"invitation": invitation, "form": form, "problem": error.message},
                status=error.status,
            )
        messages.success(
            request, _("You joined %(name)s.") % {"name": invitation.organization.legal_name}
        )
        return redirect("hubs:home")


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


def invitation_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("hubs:invitation_accept", args=[token]))
