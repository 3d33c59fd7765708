"""The SME's credit page: its score and what raises it, its offer, and the application in a
few fields. Here rather than in payments because the score is computed on demand from the
trade record every app holds (credit_record.py)."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from moneyed import Money

from ewtp.common.errors import ApplicationError
from ewtp.common.money import money_from_minor
from hubs.roles import OrganizationMixin, Perm, can_act_for
from payments.models import CreditApplication, CreditScore
from payments.selectors import (
    credit_application_of,
    credit_applications_of,
    credit_scores_of,
    loan_active_of,
)
from payments.services.credit import (
    CREDIT_CURRENCY,
    CreditRequest,
    credit_apply,
    credit_banks,
    credit_offer_of,
    credit_score_latest,
    credit_withdraw,
)
from payments.services.loans import loan_draw

from .credit_record import credit_score_refresh
from .errors import PipelineErrorCode

FRESH = timedelta(hours=12)  # older than this, the page computes the score again


class ApplicationForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (MYR)"), min_value=1, max_digits=12, decimal_places=2
    )
    tenor_months = forms.TypedChoiceField(label=gettext_lazy("Months to repay"), coerce=int)
    bank = forms.TypedChoiceField(label=gettext_lazy("Partner bank"), coerce=int)
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I let this bank see my score, its factors and the trade record behind them, for "
            "this application and the loan that may follow."
        ),
        required=True,
        error_messages={"required": gettext_lazy("The bank decides only with your consent.")},
    )

    def __init__(self, *args, tenor: int, banks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenor_months"].choices = [(n, str(n)) for n in range(1, tenor + 1)]
        self.fields["bank"].choices = [(b.pk, b.application.name) for b in banks]


class CreditView(OrganizationMixin, TemplateView):
    template_name = "pipeline/credit.html"
    permission = Perm.FINANCES_READ

    def get(self, request, *args, **kwargs):
        stored = credit_score_latest(organization=self.organization)
        if stored is None or stored.created_at < timezone.now() - FRESH:
            stored = credit_score_refresh(organization=self.organization, trigger="on demand")
        return self.render_to_response(self.get_context_data(stored=stored))

    def post(self, request, *args, **kwargs):
        if not can_act_for(request.user, self.organization, Perm.ORGANIZATION_MANAGE):
            messages.error(request, _("Only the organisation's owners apply for credit."))
            return redirect("pipeline:credit")
        action = request.POST.get("action", "")
        try:
            if action == "recompute":
                credit_score_refresh(organization=self.organization, trigger="on demand")
                messages.success(request, _("Your score was computed again."))
            elif action == "apply":
                return self._apply(request)
            elif action in ("draw", "withdraw"):
                self._act_on_application(request, action)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("pipeline:credit")

    def _apply(self, request):
        stored = credit_score_latest(organization=self.organization)
        if stored is None:  # never scored (a form posted from elsewhere): score it first
            stored = credit_score_refresh(organization=self.organization, trigger="on demand")
        offer = credit_offer_of(stored=stored, organization=self.organization) if stored else None
        form = ApplicationForm(
            request.POST, tenor=offer.tenor_months if offer else 1, banks=credit_banks()
        )
        if not form.is_valid() or offer is None:
            return self.render_to_response(self.get_context_data(stored=stored, form=form))
        data = form.cleaned_data
        try:
            application = credit_apply(
                organization=self.organization,
                stored=stored,
                request=CreditRequest(
                    Money(data["amount"], CREDIT_CURRENCY),
                    data["tenor_months"],
                    data["bank"],
                    data["consent"],
                ),
                actor=request.user,
            )
        except ApplicationError as error:
            form.add_error(
                error.extra.get("field") if error.extra.get("field") in form.fields else None,
                error.message,
            )
            return self.render_to_response(self.get_context_data(stored=stored, form=form))
        if application.status == CreditApplication.Status.APPROVED:
            messages.success(
                request,
                _("Approved at once (in %(ms)s ms): draw it down when you need it.")
                % {"ms": application.decision_ms},
            )
        else:
            messages.success(request, _("Sent to the bank: it decides and you will see it here."))
        return redirect("pipeline:credit")

    def _act_on_application(self, request, action: str) -> None:
        application = credit_application_of(
            organization=self.organization, reference=request.POST.get("reference", "")[:12]
        )
        if application is None:
            raise ApplicationError(
                _("No such application."), PipelineErrorCode.CREDIT_APPLICATION_UNKNOWN
            )
        if action == "draw":
            loan_draw(application=application, actor=request.user)
            messages.success(request, _("Drawn: the amount is in your balance."))
        else:
            credit_withdraw(application=application, actor=request.user)
            messages.success(request, _("Withdrawn."))

    def get_context_data(self, stored: CreditScore, form=None, **kwargs):
        offer = credit_offer_of(stored=stored, organization=self.organization)
        banks = credit_banks()
        if form is None and offer is not None:
            form = ApplicationForm(tenor=offer.tenor_months, banks=banks)
        factors = sorted(stored.factors, key=lambda f: f["points"] - f["best"])
        example = offer.cost_minor(offer.limit_minor, offer.tenor_months) if offer else None
        return super().get_context_data(
            stored=stored,
            factors=factors,
            history=credit_scores_of(organization=self.organization, limit=10),
            offer=offer,
            limit=money_from_minor(offer.limit_minor, CREDIT_CURRENCY) if offer else None,
            example_cost=money_from_minor(sum(example), CREDIT_CURRENCY) if example else None,
            form=form,
            banks=banks,
            applications=credit_applications_of(organization=self.organization, limit=5),
            loan=loan_active_of(organization=self.organization),
            may_apply=can_act_for(self.request.user, self.organization, Perm.ORGANIZATION_MANAGE),
            **kwargs,
        )
