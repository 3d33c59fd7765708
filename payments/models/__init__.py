"""The payments app's models: the ledger and the money of orders (ledger.py), and credit
(credit.py)."""

from .credit import CreditApplication, CreditScore, Instalment, Loan, LoanRepayment
from .ledger import (
    Account,
    Entry,
    FeeSchedule,
    FxConversion,
    FxRate,
    IncomingPayment,
    LedgerTransaction,
    PaymentIntent,
    Payout,
    PayoutBatch,
    Settlement,
)

__all__ = [
    "Account",
    "CreditApplication",
    "CreditScore",
    "Entry",
    "FeeSchedule",
    "FxConversion",
    "FxRate",
    "IncomingPayment",
    "Instalment",
    "LedgerTransaction",
    "Loan",
    "LoanRepayment",
    "PaymentIntent",
    "Payout",
    "PayoutBatch",
    "Settlement",
]
