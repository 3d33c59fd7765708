"""Treasury: the hub's FX positions settled with its partner banks, once a day.

A conversion (fx.py) credits the FX position account of the currency the buyer paid and
debits the one of the currency the seller is paid in; the money itself stays at the bank
that received it. Unsettled, the clearing account in the received currency holds more than
the hub owes in it, and the one in the paid-out currency less: overdrawn, as the bank's
own books never show it.

Each day, for each bank, the conversions of money the bank received (not yet settled, booked
before the day ends) are netted per currency pair and exchanged with the bank: one FX deal
per pair. The hub's whole net position in one currency of the pair (the one it is long in)
goes at the day's reference rate against the other; the deal is one ledger transaction that
brings both FX position accounts to zero against the bank's clearing accounts, and what the
exchange gives beyond the position in the other currency (the hub's spread, less what the
rate moved while the position was open) is the FX result. The bank gets the deals as one
pain.001 message: a credit transfer between the hub's own accounts per deal, naming the
position's amount exactly, the agreed rate and the deal as its contract; the other leg is
that amount at the rate, rounded in the bank's favour.

Exactly once: the (bank, day) settlement is unique and each conversion is linked to one
deal (one-to-one), and the booking is one database transaction, so a crash books nothing.
The instruction is written after it, under the settlement's row lock: a crash in between
leaves the settlement booked, and the next run writes the instruction without booking again.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError
from ewtp.common.models import ApiClient
from ewtp.common.money import minor_units, money_from_minor, money_to_minor
from ewtp.common.states import state_change

from .. import selectors
from ..errors import PaymentsErrorCode
from ..events import TreasurySettled
from ..models import FxDeal, FxDealConversion, LedgerTransaction, TreasurySettlement
from .accounts import bank_clearing_account, fx_account, fx_result_account
from .fx import fx_quote
from .ledger import Posting, ledger_post
from .payouts import payout_bank
from .treasury_instruction import pain001_fx_render

logger = logging.getLogger(__name__)
Status = TreasurySettlement.Status


def treasury_bank_id() -> int | None:
    """The bank a conversion of money received nowhere is dealt with: the one routing
    payouts (every conversion of an order's escrow has a bank that received it)."""
    try:
        return payout_bank().pk
    except ApplicationError:
        return None


def treasury_settle_all(*, day: date, actor_label: str = "system") -> int:
    """Settle ``day`` with every partner bank; returns how many settlements there are.
    First, any earlier settlement booked but not yet instructed (its instruction failed) is
    finished, whatever its day: the bank must get every deal the ledger holds."""
    for unfinished in TreasurySettlement.objects.filter(status=Status.BOOKED).order_by("day"):
        try:
            with transaction.atomic():  # a failure undoes its own writes alone
                _instruct(unfinished, actor_label=actor_label)
        except Exception:  # the others are still settled; the next run retries this one
            logger.exception("treasury: instruction of settlement %s failed", unfinished.pk)
    settled = 0
    for bank in ApiClient.objects.filter(kind=ApiClient.Kind.BANK).order_by("pk"):
        try:
            with transaction.atomic():  # a failure undoes its own writes alone
                settled += treasury_settle(bank=bank, day=day, actor_label=actor_label) is not None
        except ConflictError:
            raise  # busy: the task tries again
        except ApplicationError as error:  # e.g. no reference rate yet: the next run takes it
            logger.warning("treasury: bank %s day %s not settled: %s", bank.pk, day, error.code)
        except Exception:  # one bank's failure must not leave the others unsettled
            logger.exception("treasury: bank %s day %s not settled", bank.pk, day)
    return settled


def treasury_settle(
    *, bank: ApiClient, day: date, actor_label: str = "system"
) -> TreasurySettlement | None:
    """Book the day's FX deals with ``bank`` and write their instruction; None when no
    conversion waits. Run again (a retry, the beat after the demo), it returns the same
    settlement, finishing the instruction if a crash stopped it after the booking."""
    settlement = TreasurySettlement.objects.filter(bank=bank, day=day).first()
    if settlement is None:
        settlement = _book(bank=bank, day=day, actor_label=actor_label)
    if settlement is not None and settlement.status == Status.BOOKED:
        settlement = _instruct(settlement, actor_label=actor_label)
    return settlement


def _book(*, bank: ApiClient, day: date, actor_label: str) -> TreasurySettlement | None:
    end = datetime.combine(day + timedelta(days=1), time.min, UTC)
    try:
        with transaction.atomic():
            rows = list(
                selectors.fx_conversions_open(default_bank_id=treasury_bank_id(), before=end)
                .filter(dealt_with=bank.pk)
                .order_by("id")
                .values_list("pk", "from_currency", "from_minor", "to_currency", "to_minor")
            )
            if not rows:
                return None
            settlement = TreasurySettlement.objects.create(
                bank=bank, day=day, message_id=f"EWTFX-{day:%Y%m%d}-{bank.pk}"
            )
            pairs = _net_per_pair(rows)
            for pair in sorted(pairs):
                _deal_book(settlement, pair, *pairs[pair], actor_label=actor_label)
            audit_record(
                actor=None,
                actor_label=actor_label,
                action="payments.treasury.booked",
                target=settlement,
                data={"bank": bank.application.name, "day": day.isoformat(), "pairs": len(pairs)},
            )
    except IntegrityError:
        # another run took the day, or (a run for another day) one of its conversions
        earlier = TreasurySettlement.objects.filter(bank=bank, day=day).first()
        if earlier is not None:
            return earlier
        raise ConflictError(
            _("Another FX settlement with this bank is running; try again in a moment."),
            PaymentsErrorCode.TREASURY_BUSY,
        ) from None
    return settlement


def _net_per_pair(rows) -> dict[tuple[str, str], tuple[dict[str, int], list[int]]]:
    """Per currency pair: the net of the pair's conversions in each currency (what its FX
    position account moved by, credit positive) and the conversions."""
    pairs: dict = {}
    for pk, sold_currency, sold_minor, bought_currency, bought_minor in rows:
        pair = tuple(sorted((sold_currency, bought_currency)))
        net, ids = pairs.setdefault(pair, (defaultdict(int), []))
        net[sold_currency] += sold_minor
        net[bought_currency] -= bought_minor
        ids.append(pk)
    return pairs


@dataclass(frozen=True)
class DealTerms:
    position: Money  # the hub's net in the currency exchanged whole (long: positive)
    other: Money  # its net in the other currency of the pair
    exchanged: Money  # what the position is worth in the other currency at the rate
    rate: Decimal  # units of the other currency per unit of the position's
    rate_source: str
    rate_as_of: date


def deal_terms(*, net: dict[str, int], day: date) -> DealTerms:
    """Which currency of the pair is exchanged whole (the one the hub is long in; the
    first of the pair when it is long or short in both) and at what rate."""
    first, second = sorted(net)
    long = [currency for currency in (first, second) if net[currency] > 0]
    exchanged = long[0] if len(long) == 1 else first
    other = second if exchanged == first else first
    position = money_from_minor(net[exchanged], exchanged)
    quote = fx_quote(
        amount=abs(position) if position.amount else Money(1, exchanged),
        to=other,
        on=day,
        spread_percent=Decimal(0),
    )
    rate = agreed_rate(quote.market_rate)
    step = Decimal(1).scaleb(-minor_units(other))
    # the position is exact; the other leg is rounded in the bank's favour
    worth = (abs(position.amount) * rate).quantize(
        step, rounding=ROUND_DOWN if position.amount > 0 else ROUND_UP
    )
    return DealTerms(
        position=position,
        other=money_from_minor(net[other], other),
        exchanged=Money(worth if position.amount >= 0 else -worth, other),
        rate=rate,
        rate_source=quote.rate_source,
        rate_as_of=quote.rate_as_of,
    )


def agreed_rate(rate: Decimal) -> Decimal:
    """The rate as pain.001 carries it (BaseOneRate: 11 digits, at most 10 decimals)."""
    whole = len(str(int(rate))) if rate >= 1 else 0
    return rate.quantize(Decimal(1).scaleb(-min(10, 11 - whole)))


def _deal_book(settlement, pair, net, conversion_ids, *, actor_label: str) -> FxDeal:
    terms = deal_terms(net=net, day=settlement.day)
    position, other, exchanged = terms.position, terms.other, terms.exchanged
    result = other + exchanged
    end_to_end_id = f"{settlement.message_id}-{''.join(pair)}"
    bank = settlement.bank
    postings = [
        # the position leaves its FX account for the bank (short: comes from the bank)
        Posting(fx_account(currency=position.currency.code), -position),
        Posting(bank_clearing_account(bank=bank, currency=position.currency.code), position),
        # the other currency: its FX account to zero, the bank's side, the result
        Posting(fx_account(currency=other.currency.code), -other),
        Posting(bank_clearing_account(bank=bank, currency=other.currency.code), -exchanged),
        Posting(fx_result_account(currency=other.currency.code), result),
    ]
    postings = [p for p in postings if p.amount.amount]
    posted = None
    if postings:
        posted = ledger_post(
            kind=LedgerTransaction.Kind.FX_DEAL,
            description=f"FX deal with {bank.application.name}: {position} against "
            f"{exchanged} at {terms.rate} ({terms.rate_source} {terms.rate_as_of})",
            reference=end_to_end_id,  # the bank's statement lines carry it as end-to-end id
            postings=postings,
            idempotency_key=f"fx_deal:{end_to_end_id}",
            actor_label=actor_label,
        )
    sold, bought = (position, exchanged) if position.amount >= 0 else (-exchanged, -position)
    deal = FxDeal.objects.create(
        settlement=settlement,
        end_to_end_id=end_to_end_id,
        sold_minor=money_to_minor(sold),
        sold_currency=sold.currency.code,
        bought_minor=money_to_minor(bought),
        bought_currency=bought.currency.code,
        rate=terms.rate,
        rate_source=terms.rate_source,
        rate_as_of=terms.rate_as_of,
        result_minor=money_to_minor(result),
        result_currency=result.currency.code,
        ledger_transaction=posted,
    )
    FxDealConversion.objects.bulk_create(
        [FxDealConversion(deal=deal, conversion_id=pk) for pk in conversion_ids], batch_size=1000
    )
    return deal


def _instruct(settlement: TreasurySettlement, *, actor_label: str) -> TreasurySettlement:
    """Write the settlement's pain.001 (nothing for the bank to do: none) and mark it
    instructed, once: two runs never both do it (treasury_settlement_transition)."""
    deals = list(settlement.deals.order_by("sold_currency", "id"))
    moving = [deal for deal in deals if deal.moves_money]
    now = timezone.now()
    xml = pain001_fx_render(settlement=settlement, deals=moving, now=now) if moving else b""
    settlement = treasury_settlement_transition(
        treasury_settlement=settlement,
        to=Status.INSTRUCTED,
        actor_label=actor_label,
        instruction=xml.decode(),
        instructed_at=now,
        data={"deals": len(deals), "instructions": len(moving)},
    )
    logger.info("treasury: settlement %s instructed (%s deals)", settlement.pk, len(deals))
    return settlement


def treasury_settlement_transition(
    *,
    treasury_settlement: TreasurySettlement,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    instruction: str = "",
    instructed_at=None,
    data: dict | None = None,
) -> TreasurySettlement:
    """Move a settlement along TreasurySettlement.TRANSITIONS: instructed with its pain.001
    ``instruction`` written at ``instructed_at``, and ``payments.treasury_settled`` recorded.
    Under the row lock, a second run finds it instructed and changes nothing. The audit row
    is ``payments.treasury.<to>``."""

    def instructed(locked: TreasurySettlement, before: str) -> tuple[str, ...]:
        locked.instruction = instruction
        locked.instructed_at = instructed_at or timezone.now()
        return ("instruction", "instructed_at")

    def refusal(locked: TreasurySettlement, to: str) -> ConflictError:
        return ConflictError(
            _("FX settlement %(settlement)s is %(status)s; it cannot become %(to)s.")
            % {
                "settlement": locked.message_id,
                "status": locked.get_status_display(),
                "to": Status(to).label,
            },
            PaymentsErrorCode.TREASURY_SETTLEMENT_TRANSITION,
        )

    def event(locked: TreasurySettlement, before: str) -> TreasurySettled:
        return TreasurySettled(
            settlement_id=locked.pk,
            bank_id=locked.bank_id,
            day=locked.day.isoformat(),
            deals=locked.deals.count(),
        )

    locked, _moved = state_change(
        treasury_settlement,
        to,
        refusal=refusal,
        action=f"payments.treasury.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        apply=instructed if to == Status.INSTRUCTED else None,
        event=event if to == Status.INSTRUCTED else None,
    )
    return locked


def treasury_instruction_downloaded(*, settlement: TreasurySettlement) -> None:
    """The bank fetched its instruction: the first time is kept."""
    TreasurySettlement.objects.filter(pk=settlement.pk, downloaded_at__isnull=True).update(
        downloaded_at=timezone.now()
    )
