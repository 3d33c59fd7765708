"""The payments app's models: the ledger with its rates and conversions (ledger.py), the
money of orders (orders.py), payouts (payouts.py), credit (credit.py), the hub's treasury at
its partner banks (treasury.py), the hub's collection accounts buyers pay into
(collection.py), and the documents of the reference-rate feed (fx_feeds.py)."""

from .collection import CollectionAccount
from .credit import CreditApplication, CreditScore, Instalment, Loan, LoanRepayment
from .fx_feeds import FxFeedFetch
from .ledger import Account, BalanceShard, Entry, FxConversion, FxRate, LedgerTransaction
from .orders import FeeSchedule, IncomingPayment, PaymentIntent, Settlement
from .payouts import Payout, PayoutBatch
from .treasury import (
    FxDeal,
    FxDealConversion,
    StatementLine,
    StatementReconciliation,
    TreasurySettlement,
)

__all__ = [
    "Account",
    "BalanceShard",
    "CollectionAccount",
    "CreditApplication",
    "CreditScore",
    "Entry",
    "FeeSchedule",
    "FxConversion",
    "FxDeal",
    "FxDealConversion",
    "FxFeedFetch",
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
    "StatementLine",
    "StatementReconciliation",
    "TreasurySettlement",
]
