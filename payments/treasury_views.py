"""The hub's treasury in the portal, for officers: positions at the partner banks, the daily
FX settlements and their instructions, and the reconciliation of the banks' statements. Each
page runs a fixed number of queries."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.http import attachment
from ewtp.common.models import ApiClient
from hubs.portal import form_error_from
from hubs.roles import Perm, PermissionRequiredMixin, has_permission

from . import selectors
from .forms import StatementUploadForm
from .models import StatementLine
from .services.reconciliation import statement_reconcile
from .services.treasury import treasury_bank_id


class TreasuryView(PermissionRequiredMixin, TemplateView):
    """What the hub holds at each bank against what it owes, what it converted and has not
    settled yet, and the latest FX settlements."""

    permission = Perm.TREASURY_READ
    template_name = "payments/treasury.html"

    def get_context_data(self, **kwargs):
        positions = selectors.treasury_positions(default_bank_id=treasury_bank_id())
        return super().get_context_data(
            banks=positions["banks"],
            currencies=positions["currencies"],
            settlements=selectors.treasury_settlements_recent(),
            **kwargs,
        )


class TreasuryInstructionView(PermissionRequiredMixin, View):
    """A settlement's pain.001 instruction, as the bank gets it."""

    permission = Perm.TREASURY_READ

    def get(self, request, public_id):
        settlement = selectors.treasury_settlement_of(public_id=public_id)
        if settlement is None or not settlement.instruction:
            raise Http404("No such instruction.")
        return attachment(
            settlement.instruction,
            content_type="application/xml",
            filename=f"{settlement.message_id}.xml",
        )


def _banks():
    return ApiClient.objects.filter(kind=ApiClient.Kind.BANK).select_related("application")


class ReconciliationListView(PermissionRequiredMixin, FormView):
    """The statements received, their differences, and every entry left unmatched on either
    side; officers who reconcile upload a bank's statement here."""

    permission = Perm.TREASURY_READ
    template_name = "payments/reconciliations.html"
    form_class = StatementUploadForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"banks": _banks().order_by("application__name")}

    def get_context_data(self, **kwargs):
        reconciliations = selectors.reconciliations_recent()
        return super().get_context_data(
            reconciliations=reconciliations,
            unmatched=selectors.statement_lines_unmatched(reconciliations=reconciliations),
            may_upload=has_permission(self.request.user, Perm.TREASURY_RECONCILE),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not has_permission(request.user, Perm.TREASURY_RECONCILE):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            received, created = statement_reconcile(
                bank=form.cleaned_data["bank"], data=upload.read(), actor=self.request.user
            )
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        if created:
            messages.success(self.request, _("Statement reconciled."))
        else:
            messages.info(self.request, _("This statement was received before: nothing changed."))
        if len(received) == 1:
            return redirect("payments:reconciliation", public_id=received[0].public_id)
        return redirect("payments:reconciliations")


class ReconciliationDetailView(PermissionRequiredMixin, TemplateView):
    """One statement: its balances against the ledger's, and every unmatched entry."""

    permission = Perm.TREASURY_READ
    template_name = "payments/reconciliation.html"

    def get_context_data(self, **kwargs):
        reconciliation = selectors.reconciliation_of(public_id=self.kwargs["public_id"])
        if reconciliation is None:
            raise Http404("No such reconciliation.")
        lines = selectors.statement_lines_unmatched(reconciliations=[reconciliation])
        return super().get_context_data(
            reconciliation=reconciliation,
            statement_only=[
                line for line in lines if line.outcome == StatementLine.Outcome.STATEMENT_ONLY
            ],
            ledger_only=[
                line for line in lines if line.outcome == StatementLine.Outcome.LEDGER_ONLY
            ],
            **kwargs,
        )
