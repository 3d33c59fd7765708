"""Loans in the portal: the SME's statement with its schedule and early repayment, and the
officers' credit portfolio."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.money import money_from_minor
from hubs.roles import OrganizationMixin, Perm, PermissionRequiredMixin, can_act_for

from . import selectors
from .models import Loan
from .services.loans import loan_repay_early


class LoanView(OrganizationMixin, TemplateView):
    """The running loan (or the last one): its schedule, what was repaid and from where."""

    permission = Perm.FINANCES_READ
    template_name = "payments/loan.html"

    def _loan(self) -> Loan:
        loan = (
            Loan.objects.filter(organization=self.organization)
            .select_related("application", "bank__application")
            .prefetch_related("instalments", "repayments__settlement__order")
            .order_by("-created_at")
            .first()
        )
        if loan is None:
            raise Http404("No loan yet.")
        return loan

    def post(self, request):
        if not can_act_for(request.user, self.organization, Perm.ORGANIZATION_MANAGE):
            messages.error(request, _("Only the organisation's owners repay a loan."))
            return redirect("payments:loan")
        try:
            loan_repay_early(loan=self._loan(), actor=request.user)
            messages.success(request, _("Repaid: the loan is closed."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("payments:loan")

    def get_context_data(self, **kwargs):
        loan = self._loan()
        instalments = list(loan.instalments.all())
        return super().get_context_data(
            loan=loan,
            instalments=instalments,
            repayments=list(loan.repayments.all()),
            outstanding=money_from_minor(
                sum(i.outstanding_minor for i in instalments), loan.currency
            ),
            may_repay=loan.status == Loan.Status.ACTIVE
            and can_act_for(self.request.user, self.organization, Perm.ORGANIZATION_MANAGE),
            **kwargs,
        )


class CreditPortfolioView(PermissionRequiredMixin, TemplateView):
    """Every line: open applications and loans with what is owed, how much of the line is
    used, overdue instalments and the band it was granted on. A fixed number of queries."""

    permission = Perm.ORGANIZATIONS_OVERSEE
    template_name = "payments/credit_portfolio.html"

    def get_context_data(self, **kwargs):
        portfolio = selectors.credit_portfolio()
        rows = [
            {
                "loan": loan,
                "owed": (loan.owed or 0) / 100,
                "utilisation": max(loan.principal_owed or 0, 0) * 100 / loan.principal_minor,
            }
            for loan in portfolio["loans"]
        ]
        totals = portfolio["totals"]
        return super().get_context_data(
            rows=rows,
            pending=portfolio["pending"],
            active_lines=totals["lines"],
            active_principal=(totals["principal"] or 0) / 100,
            overdue_loans=sum(1 for row in rows if row["loan"].overdue),
            **kwargs,
        )
