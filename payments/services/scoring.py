"""The SME credit score: plain data in (the trade record the platform saw), plain data out
(the score, its band and every factor's contribution). No ORM, so the same record always
gives the same score, a decision can be computed again from what was stored, and a table of
cases tests it in milliseconds.

Each factor is monotonic by construction: more disputes, customs holds or late repayments
only ever take points away; more recent on-time trade only ever adds them.
"""

import math
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

ENGINE = "trade-record-2"  # a new version when a weight or a scale changes
BASE = 400
FLOOR, CEILING = 300, 850
BANDS = [(700, "A"), (630, "B"), (560, "C"), (480, "D"), (0, "E")]


@dataclass(frozen=True)
class TradeRecord:
    """What the hub knows of an organisation's trade, counted over its last twelve months
    (the "3m" fields: the last three; "prev_3m": the three before those). Money in MYR sen."""

    months_active: int = 0
    orders_3m: int = 0
    value_3m_minor: int = 0
    value_prev_3m_minor: int = 0
    orders_12m: int = 0
    value_12m_minor: int = 0
    shipped: int = 0  # orders of the 12 months that shipped
    shipped_on_time: int = 0  # of those, dropped at the hub within the shipping promise
    disputes: int = 0
    refunds: int = 0
    customs_holds: int = 0
    customs_rejections: int = 0
    weight_mismatches: int = 0
    payout_rejections: int = 0
    debt_minor: int = 0  # what the organisation still owes on its loans
    instalments_on_time: int = 0
    instalments_late: int = 0  # paid after their day
    instalments_overdue: int = 0  # past their day and not paid

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    value: str  # the input as the SME reads it
    points: int  # its contribution (negative for a penalty)
    best: int  # the most it can add (0 for a penalty)
    hint: str  # what raises the score


@dataclass(frozen=True)
class Score:
    score: int
    band: str
    factors: list[Factor]
    engine: str = ENGINE


def _ringgit(minor: int) -> str:
    return f"MYR {Decimal(minor) / 100:,.2f}"


def _scale(value: float, full: float) -> float:
    """0 at nothing, 1 at ``full`` and beyond: a factor's share of its points."""
    return max(0.0, min(value / full, 1.0)) if full else 0.0


def _log_scale(minor: int, full_myr: float) -> float:
    """Volume on a log scale: the first ringgit count more than the millionth."""
    myr = max(minor, 0) / 100
    return min(math.log10(1 + myr / 1000) / math.log10(1 + full_myr / 1000), 1.0)


def credit_score(record: TradeRecord) -> Score:
    r = record
    factors = [
        Factor(
            "history",
            "Months trading on the hub",
            f"{r.months_active}",
            round(60 * _scale(r.months_active, 12)),
            60,
            "Keep exporting: a year of history gives the full points.",
        ),
        Factor(
            "volume",
            "Export value, last 12 months",
            _ringgit(r.value_12m_minor),
            round(120 * _log_scale(r.value_12m_minor, 500_000)),
            120,
            "Sell more through the hub: the value of your exports counts most.",
        ),
        Factor(
            "orders",
            "Orders, last 12 months",
            f"{r.orders_12m}",
            round(60 * _scale(r.orders_12m, 60)),
            60,
            "Many orders show steady demand: each one adds.",
        ),
        Factor(
            "growth",
            "Last 3 months against the 3 before",
            f"{_ringgit(r.value_3m_minor)} / {_ringgit(r.value_prev_3m_minor)}",
            round(40 * _scale(r.value_3m_minor, max(r.value_prev_3m_minor, 100_000) * 1.5)),
            40,
            "Grow your recent sales: half again on the quarter before gives the full points.",
        ),
        Factor(
            "on_time",
            "Orders shipped on time",
            f"{r.shipped_on_time} of {r.shipped}",
            round(80 * _scale(r.shipped_on_time, max(r.shipped, 1)) * _scale(r.shipped, 10)),
            80,
            "Drop parcels at the hub within three days of payment.",
        ),
        Factor(
            "disputes",
            "Disputes and refunds, last 12 months",
            f"{r.disputes + r.refunds}",
            -round(80 * _scale(r.disputes + r.refunds, max(r.orders_12m, 1) * 0.2)),
            0,
            "Describe goods exactly and pack them well: each dispute or refund costs points.",
        ),
        Factor(
            "customs",
            "Customs holds, rejections and weight mismatches",
            f"{r.customs_holds} / {r.customs_rejections} / {r.weight_mismatches}",
            -min(5 * r.customs_holds + 20 * r.customs_rejections + 5 * r.weight_mismatches, 100),
            0,
            "Declare HS codes, values and weights as they are.",
        ),
        Factor(
            "payouts",
            "Payouts the bank rejected",
            f"{r.payout_rejections}",
            -min(10 * r.payout_rejections, 40),
            0,
            "Keep your payout bank account up to date.",
        ),
        Factor(
            "debt",
            "Owed on loans",
            _ringgit(r.debt_minor),
            -round(60 * _scale(r.debt_minor, max(r.value_12m_minor / 2, 100_000))),
            0,
            "Repay what you owe: debt weighs less as your sales grow.",
        ),
        Factor(
            "repayment",
            "Instalments on time / late / overdue",
            f"{r.instalments_on_time} / {r.instalments_late} / {r.instalments_overdue}",
            _repayment_points(r),
            40,
            "Let settlements repay each instalment before its day.",
        ),
    ]
    total = BASE + sum(f.points for f in factors)
    score = max(FLOOR, min(CEILING, total))
    band = next(letter for floor, letter in BANDS if score >= floor)
    return Score(score, band, factors)


def _repayment_points(r: TradeRecord) -> int:
    """Up to 40 for instalments paid on time (no reward for lateness), less 30 for each late
    one and 60 for each overdue one."""
    on_time = round(40 * _scale(r.instalments_on_time, 6))
    return on_time - min(30 * r.instalments_late + 60 * r.instalments_overdue, 200)


@dataclass(frozen=True)
class Terms:
    """What a band may borrow: a multiple of its average month of exports, a flat yearly
    rate, the longest tenor."""

    multiple: Decimal
    rate_percent: Decimal
    tenor_months: int


TERMS = {
    "A": Terms(Decimal("3.0"), Decimal("8.00"), 6),
    "B": Terms(Decimal("2.0"), Decimal("10.00"), 6),
    "C": Terms(Decimal("1.2"), Decimal("13.00"), 6),
    "D": Terms(Decimal("0.6"), Decimal("16.00"), 3),
}
FEE_PERCENT = Decimal("1.00")  # the arrangement fee, once, at drawdown


@dataclass(frozen=True)
class Offer:
    limit_minor: int
    rate_percent: Decimal
    tenor_months: int
    fee_percent: Decimal

    def cost_minor(self, amount_minor: int, tenor_months: int) -> tuple[int, int]:
        """(interest, fee) of borrowing ``amount_minor`` for ``tenor_months``: flat interest
        on the amount for the tenor, and the fee, each rounded half up to the sen."""
        interest = Decimal(amount_minor) * self.rate_percent / 100 * tenor_months / 12
        fee = Decimal(amount_minor) * self.fee_percent / 100
        return (
            int(interest.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
            int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        )


def credit_offer(*, score: Score, record: TradeRecord, cap_minor: int) -> Offer | None:
    """The line a score and the trailing volume support, or None (band E, or no exports)."""
    terms = TERMS.get(score.band)
    if terms is None or record.value_12m_minor <= 0:
        return None
    monthly = Decimal(record.value_12m_minor) / 12
    limit = min(int((monthly * terms.multiple) // 100 * 100), cap_minor)  # whole ringgit
    limit = max(limit - record.debt_minor, 0)
    if limit < 100_000:  # under RM 1,000 a line is not worth its cost
        return None
    return Offer(limit, terms.rate_percent, terms.tenor_months, FEE_PERCENT)
