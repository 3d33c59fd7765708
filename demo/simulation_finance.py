"""Money beyond the orders: sellers with a credit offer borrow from the partner bank, and the
bank reports on each payout batch, rejecting transfers to a wrong account until the owners
fix it."""

from django.db.models import Count
from moneyed import Money

from hubs.models import Organization
from hubs.services.organizations import organization_update
from payments.models import Payout
from payments.services.credit import CreditRequest, credit_apply, credit_offer_of
from payments.services.loans import loan_draw
from payments.services.payouts import payout_status_report
from pipeline.credit_record import credit_score_refresh

from .simulation_clock import SimulationClock, owner_of


class Finance(SimulationClock):
    # --- credit ------------------------------------------------------------------------------

    def credit_story(self) -> None:
        """Every seller with an offer by then applies for a line with the partner bank:
        standard cases are approved at once and drawn (the later settlements repay them),
        the others wait for the bank's decision over the API."""
        sellers = (
            Organization.objects.filter(kyc_status="approved", sales__status="settled")
            .annotate(settled=Count("sales"))
            .order_by("-settled", "pk")
        )
        for organization in sellers:
            stored = credit_score_refresh(organization=organization, trigger="nightly")
            offer = credit_offer_of(stored=stored, organization=organization)
            if offer is None:
                continue
            amount = min(offer.limit_minor, 1_000_000)  # up to RM 10,000
            application = credit_apply(
                organization=organization,
                stored=stored,
                request=CreditRequest(
                    Money(amount, "MYR") / 100, offer.tenor_months, self.world.bank.pk, True
                ),
                actor=owner_of(organization),
            )
            if application.status == "approved":
                loan_draw(application=application, actor=owner_of(organization))

    # --- the bank's side of payouts ------------------------------------------------------------

    def bank_reports(self, batch_id: int) -> None:
        wrong_accounts = set()  # the bank rejects every transfer to an account it refused
        for payout in Payout.objects.filter(batch_id=batch_id).order_by("id"):
            wrong = (payout.creditor_bic, payout.creditor_account)
            if wrong in wrong_accounts or self.roll("payout_rejected", first=True):
                wrong_accounts.add(wrong)
                payout_status_report(
                    bank=self.world.bank,
                    end_to_end_id=payout.end_to_end_id,
                    status="rejected",
                    reason_code="AC01",
                )
                self.later(20, 70, self.owners_fix_account, payout.organization_id)
            else:
                payout_status_report(
                    bank=self.world.bank, end_to_end_id=payout.end_to_end_id, status="settled"
                )

    def owners_fix_account(self, organization_id: int) -> None:
        organization = Organization.objects.get(pk=organization_id)
        if not organization.payout_account_problem:
            return
        number = organization.payout_account_number
        organization_update(
            organization=organization,
            actor=owner_of(organization),
            payout_account_number=number[:-1] + str((int(number[-1]) + 1) % 10),
        )
