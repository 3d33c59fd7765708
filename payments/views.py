"""The SME's account statement and an order's payment, in the portal."""

import uuid
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from ewtp.common.money import MoneyError, money_parse
from ewtp.common.months import month_added, month_after, month_of, month_parsed, month_start
from hubs import order_words
from hubs.models import Order
from hubs.roles import OrganizationMixin, Perm, can_act_for, has_permission
from hubs.selectors import order_visible_to

from . import selectors
from .errors import PaymentsErrorCode
from .services.escrow import dispute_open, dispute_resolve, escrow_release
from .services.intents import BankTransfer, payment_receive, test_bank
from .services.payouts import payout_request
from .services.settlement import settlement_preview


def statement_month(value: str) -> date:
    """The month a statement page shows (``YYYY-MM``, years 2000 to 2999); this month when
    absent or wrong."""
    month = month_parsed(value)
    if month is None or not 2000 <= month.year <= 2999:
        return month_of(timezone.now())
    return month


class StatementView(OrganizationMixin, TemplateView):
    """Balances per currency, and the statement of one currency's account (the owners')."""

    permission = Perm.FINANCES_READ
    template_name = "payments/statement.html"

    def post(self, request):
        """An owner asks for (part of) a balance to be paid out to the payout account."""
        currency = request.POST.get("currency", "")
        try:
            amount = money_parse(request.POST.get("amount", ""), currency)
            payout_request(
                organization=self.organization,
                amount=amount,
                actor=request.user,
                request_key=request.POST.get("request_key", ""),
            )
            messages.success(
                request, _("Payout requested: it leaves with the next batch to the bank.")
            )
        except MoneyError as error:
            messages.error(request, str(error))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(f"{request.path}?currency={currency[:3]}")

    def get_context_data(self, **kwargs):
        accounts = list(selectors.accounts_of(organization=self.organization))
        chosen = next((a for a in accounts if a.currency == self.request.GET.get("currency")), None)
        chosen = chosen or (accounts[0] if accounts else None)
        page = None
        month = statement_month(self.request.GET.get("month", ""))
        if chosen is not None:
            # one month at a time: on PostgreSQL the page reads that month's partition only
            entries = selectors.account_statement(
                account=chosen, start=month_start(month), end=month_start(month_after(month))
            )
            page = Paginator(entries, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            accounts=accounts,
            account=chosen,
            owed=selectors.amounts_owed_of(organization=self.organization),
            page_obj=page,
            month=month,
            previous_month=month_added(month, -1),
            next_month=month_after(month) if month < month_of(timezone.now()) else None,
            payouts=selectors.payouts_of(organization=self.organization)[:20],
            settlements=selectors.settlements_of(organization=self.organization)[:20],
            may_pay_out=can_act_for(self.request.user, self.organization, Perm.ORGANIZATION_MANAGE),
            request_key=uuid.uuid4().hex,
            **kwargs,
        )


class OrderPaymentView(TemplateView):
    """What is owed on an order, where the buyer transfers it, and what arrived; the demo's
    test transfer for the buyer."""

    template_name = "payments/order_payment.html"

    def _order(self):
        if not self.request.user.is_authenticated:
            raise Http404
        try:
            return order_visible_to(user=self.request.user, reference=self.kwargs["reference"])
        except Order.DoesNotExist:
            raise Http404("No such order.") from None

    def _buys(self, order) -> bool:
        """Whether the viewer acts for the order's buying organisation."""
        return order.buyer_id is not None and can_act_for(
            self.request.user, order.buyer, Perm.ORDERS_TRADE
        )

    def _may_pay(self, order) -> bool:
        return (
            settings.TEST_BANK_TRANSFERS
            and self._buys(order)
            and order.status == Order.Status.AWAITING_PAYMENT
        )

    def get_context_data(self, **kwargs):
        order = self._order()
        intent, payments = selectors.order_payment(order=order)
        # the seller's side (its fee and rate) is for the seller's owners and officers, not
        # the buyer nor the seller's staff
        sees_settlement = can_act_for(
            self.request.user, order.seller, Perm.FINANCES_READ
        ) or has_permission(self.request.user, Perm.DISPUTE_RESOLVE)
        settlement = selectors.order_settlement(order=order) if sees_settlement else None
        preview, preview_refused = None, ""
        if sees_settlement and settlement is None and order.status not in Order.UNPAID:
            try:
                preview = settlement_preview(order=order)
            except ApplicationError as error:  # no current rate: say so instead of a figure
                preview_refused = error.message
        awaited = selectors.payment_awaited(order=order, intent=intent)
        how_to_pay = awaited and self._buys(order)
        return super().get_context_data(
            order=order,
            intent=intent,
            payments=payments,
            payment_awaited=awaited,
            # the buyer is told where to transfer the money, or that there is nowhere yet
            how_to_pay=how_to_pay,
            pay_to=selectors.order_pay_to(order=order, intent=intent) if how_to_pay else None,
            payments_desk_email=settings.PAYMENTS_DESK_EMAIL,
            settlement=settlement,
            preview=preview,
            preview_refused=preview_refused,
            may_pay=self._may_pay(order) and intent is not None,
            may_confirm=self._may_confirm(order),
            may_dispute=self._buys(order) and order.can_become(Order.Status.DISPUTED),
            may_resolve=order.status == Order.Status.DISPUTED
            and has_permission(self.request.user, Perm.DISPUTE_RESOLVE),
            **kwargs,
        )

    def _may_confirm(self, order) -> bool:
        return self._buys(order) and order.status == Order.Status.DELIVERED

    def post(self, request, reference):
        order = self._order()
        if "confirm" in request.POST:
            return self._confirm(order)
        if "dispute" in request.POST:
            return self._act(
                order,
                lambda: dispute_open(
                    order=order, actor=request.user, reason=request.POST.get("reason", "")
                ),
                _("Dispute opened: the escrow is frozen until an officer decides."),
            )
        if "resolve" in request.POST:
            return self._act(
                order,
                lambda: dispute_resolve(
                    order=order,
                    actor=request.user,
                    decision=request.POST.get("decision", ""),
                    reason=request.POST.get("reason", ""),
                    seller_share=self._share(order),
                ),
                _("Decision recorded; the money has moved."),
            )
        intent, _payments = selectors.order_payment(order=order)
        if not self._may_pay(order) or intent is None:
            raise PermissionDenied
        transfer = BankTransfer(
            bank=test_bank(),
            bank_reference=f"TEST-{uuid.uuid4().hex[:12].upper()}",
            amount=intent.outstanding,
            payer_name=order.buyer.legal_name,
        )
        try:
            payment_receive(order_reference=order.reference, transfer=transfer)
            messages.success(request, _("Test transfer received; the money is held in escrow."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("payments:order_payment", reference=reference)

    def _share(self, order):
        raw = self.request.POST.get("seller_share", "").strip()
        if not raw:
            return None
        try:
            return money_parse(raw, order.payment_currency)
        except MoneyError as error:
            raise ApplicationError(
                str(error), PaymentsErrorCode.DISPUTE_DECISION, extra={"field": "seller_share"}
            ) from None

    def _act(self, order, action, success):
        try:
            action()
            messages.success(self.request, success)
        except ApplicationError as error:
            messages.error(self.request, error.message)
        return redirect("payments:order_payment", reference=order.reference)

    def _confirm(self, order):
        if not self._may_confirm(order):
            raise PermissionDenied
        try:
            escrow_release(
                order=order,
                actor_label=self.request.user.email,
                reason=order_words.BUYER_CONFIRMED,
            )
            messages.success(self.request, _("Thank you. The seller is paid from escrow."))
        except ApplicationError as error:
            messages.error(self.request, error.message)
        return redirect("payments:order_payment", reference=order.reference)
