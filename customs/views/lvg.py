"""The seller's LVG registration in the portal (customs/models/lvg.py names the law): its
members see it with the running total of its LVG sales against the registration threshold;
its owners enter, correct or cancel it and download each taxable period's return. MDEC
officers and the customs officers of Malaysia's hubs see every seller's registrations."""

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.http import attachment
from hubs.roles import OrganizationMixin, Perm, can_act_for, can_oversee, has_permission

from .. import lvg
from ..documents import lvg_return_csv, lvg_return_filename, lvg_return_xlsx
from ..forms import LvgCancelForm, LvgCorrectionForm, LvgRegistrationForm, errors_to_forms
from ..services.lvg import (
    LvgRegistrationRequest,
    lvg_registration_cancel,
    lvg_registration_correct,
    lvg_registration_enter,
)

RETURN_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class LvgRegistrationView(OrganizationMixin, TemplateView):
    """GET: the registration, its history and returns, and the running total. POST (owners):
    ``action`` enter, correct or cancel."""

    permission = Perm.ORGANIZATION_VIEW
    template_name = "customs/lvg_registration.html"

    def get_context_data(self, **kwargs):
        user, organization = self.request.user, self.organization
        today = timezone.localdate()
        registrations = list(lvg.lvg_registrations_of(organization=organization))
        # in force: not cancelled (it may take effect later); applying: effective today
        in_force = next((r for r in registrations if r.status == r.Status.IN_FORCE), None)
        applying = next((r for r in registrations if r.applies_on(today)), None)
        is_owner = can_act_for(user, organization, Perm.ORGANIZATION_MANAGE)
        if is_owner and in_force is None:
            kwargs.setdefault("form", LvgRegistrationForm())
        if is_owner and in_force is not None:
            kwargs.setdefault("form", LvgCorrectionForm(initial=_initial(in_force)))
            kwargs.setdefault("cancel_form", LvgCancelForm(initial={"cancelled_from": today}))
        sees_money = can_act_for(user, organization, Perm.FINANCES_READ)
        return super().get_context_data(
            applying=applying,
            in_force=in_force,
            registrations=registrations,
            is_owner=is_owner,
            sales=lvg.lvg_sales_total(organization=organization, on=today),
            returns=[(r, lvg.lvg_periods(registration=r, today=today)) for r in registrations]
            if sees_money
            else [],
            **kwargs,
        )

    def post(self, request):
        action = request.POST.get("action", "")
        if action not in ("enter", "correct", "cancel"):
            raise Http404("No such action.")
        if not can_act_for(request.user, self.organization, Perm.ORGANIZATION_MANAGE):
            raise PermissionDenied
        if action == "cancel":
            return self._cancel(request)
        form = (LvgRegistrationForm if action == "enter" else LvgCorrectionForm)(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            entry = LvgRegistrationRequest(
                data["number"], data["effective_from"], data["period_ends"]
            )
            try:
                if action == "enter":
                    lvg_registration_enter(
                        organization=self.organization, request=entry, actor=request.user
                    )
                    messages.success(request, _("LVG registration entered."))
                else:
                    lvg_registration_correct(
                        registration=self._registration(),
                        request=entry,
                        reason=data["reason"],
                        actor=request.user,
                    )
                    messages.success(request, _("LVG registration corrected."))
                return redirect("customs:lvg_registration")
            except ApplicationError as error:
                if not errors_to_forms(error, form, None):
                    form.add_error(None, error.message)
        return self.render_to_response(self.get_context_data(form=form))

    def _cancel(self, request):
        form = LvgCancelForm(request.POST)
        if form.is_valid():
            try:
                lvg_registration_cancel(
                    registration=self._registration(),
                    cancelled_from=form.cleaned_data["cancelled_from"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
                messages.success(
                    request, _("The cancellation of the LVG registration is recorded.")
                )
                return redirect("customs:lvg_registration")
            except ApplicationError as error:
                if not errors_to_forms(error, form, None):
                    form.add_error(None, error.message)
        return self.render_to_response(self.get_context_data(cancel_form=form))

    def _registration(self):
        try:
            public_id = uuid.UUID(self.request.POST.get("registration", ""))
        except ValueError:
            raise Http404("No such registration of your organisation.") from None
        registration = lvg.lvg_registration_of(organization=self.organization, public_id=public_id)
        if registration is None:
            raise Http404("No such registration of your organisation.")
        return registration


def _initial(registration) -> dict:
    return {
        "number": registration.number,
        "effective_from": registration.effective_from,
        "period_ends": registration.period_ends,
    }


class LvgReturnView(OrganizationMixin, View):
    """One taxable period's return of one of the seller's registrations, as CSV or XLSX: the
    organisation's money, so its owners'."""

    permission = Perm.FINANCES_READ

    def get(self, request, public_id, period, kind):
        if kind not in RETURN_TYPES:
            raise Http404("The return is CSV or XLSX.")
        registration = lvg.lvg_registration_of(organization=self.organization, public_id=public_id)
        if registration is None:
            raise Http404("No such registration of your organisation.")
        found = lvg.lvg_period_of(
            registration=registration, key=period[:7], today=timezone.localdate()
        )
        if found is None:
            raise Http404("No such taxable period of this registration.")
        ret = lvg.lvg_return(registration=registration, period=found)
        content = lvg_return_csv(ret) if kind == "csv" else lvg_return_xlsx(ret)
        return attachment(
            content,
            content_type=RETURN_TYPES[kind],
            filename=lvg_return_filename(ret, kind),
        )


def can_see_registrations(user) -> bool:
    """MDEC officers, and the customs officers of a hub in Malaysia (the registration is
    with Malaysia's customs)."""
    if can_oversee(user):
        return True
    return (
        has_permission(user, Perm.CUSTOMS_WORKBENCH)
        and user.official_hub_id is not None
        and user.official_hub.country.code == "MY"
    )


class LvgRegistrationListView(TemplateView):
    template_name = "customs/lvg_registrations.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_see_registrations(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "")[:100]
        return super().get_context_data(
            query=query,
            registrations=lvg.lvg_registrations_for_officers(query=query)[:200],
            **kwargs,
        )
