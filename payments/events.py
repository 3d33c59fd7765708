"""Facts the payments app records in the outbox."""

from dataclasses import dataclass

from ewtp.common.outbox import event_type


@event_type("payments.order_paid")
@dataclass(frozen=True)
class OrderPaid:
    order_id: int
    intent_id: int
    amount_minor: int
    currency: str


@event_type("payments.late_payment_returned")
@dataclass(frozen=True)
class LatePaymentReturned:
    order_id: int
    payment_id: int
    amount_minor: int
    currency: str


@event_type("payments.fx_rates_loaded")
@dataclass(frozen=True)
class FxRatesLoaded:
    """New reference rates were stored for the days from ``first_day`` to ``last_day``."""

    source: str
    first_day: str  # ISO dates
    last_day: str
    count: int


@event_type("payments.escrow_released")
@dataclass(frozen=True)
class EscrowReleased:
    """The seller's balance was credited with an order's settlement (net of fee)."""

    order_id: int
    settlement_id: int
    organization_id: int
    net_minor: int
    currency: str

    @classmethod
    def of(cls, settlement) -> "EscrowReleased":
        return cls(
            order_id=settlement.order_id,
            settlement_id=settlement.pk,
            organization_id=settlement.organization_id,
            net_minor=settlement.net_minor,
            currency=settlement.currency,
        )


@event_type("payments.payout_reported")
@dataclass(frozen=True)
class PayoutReported:
    """The bank reported a payout accepted, settled or rejected (funds then back)."""

    payout_id: int
    organization_id: int
    settlement_id: int | None
    status: str
    reason_code: str


@event_type("payments.treasury_settled")
@dataclass(frozen=True)
class TreasurySettled:
    """A day's FX deals with a bank were booked and its pain.001 instruction written."""

    settlement_id: int
    bank_id: int
    day: str  # ISO date
    deals: int


@event_type("payments.statement_reconciled")
@dataclass(frozen=True)
class StatementReconciled:
    """A bank's statement of a clearing account was matched with the ledger."""

    reconciliation_id: int
    bank_id: int
    currency: str
    status: str  # agreed, or differences for a person to look at
