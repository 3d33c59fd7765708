"""Step 8: escrow was released to the seller's balance (the buyer confirmed, the confirmation
window ended, or an officer decided a dispute for the seller), converted to the seller's
currency and less the platform fee → a running loan takes its share of it
(CREDIT_REPAYMENT_SHARE_PERCENT, until the instalments already started are met), then what
the seller owes the hub is collected (duty a customs audit found short paid, which its
balance could not cover when it was billed: step 10), and the rest is paid out to the
seller's bank account: requested at once, sent in the partner bank's next pain.001 batch. A
seller without a usable payout account keeps the money in its balance until the owners fix
the account (step 9 then sends it)."""

from ewtp.common.outbox import subscribe
from payments.events import EscrowReleased
from payments.selectors import settlement_by_id
from payments.services.audit_duties import owed_collect_from_settlement
from payments.services.loans import loan_deduct_from_settlement
from payments.services.payouts import settlement_pay_out


@subscribe("payments.escrow_released", name="pipeline.paid_out")
def paid_out(event: EscrowReleased) -> None:
    settlement = settlement_by_id(settlement_id=event.settlement_id)
    loan_deduct_from_settlement(settlement=settlement)  # the loan's share first, if one runs
    owed_collect_from_settlement(settlement=settlement)  # then what the seller owes the hub
    settlement_pay_out(settlement=settlement)
