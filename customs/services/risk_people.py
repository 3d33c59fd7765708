"""Risk rules about the money and the people behind a consignment: who paid for it, where it
goes, and how the seller's and the consumer's earlier orders ended.

They register with the engine in customs.services.risk like its other rules (weights and
parameters are RiskRule rows, each firing is stored on the LaneDecision). Every look-up is
one index range scan bounded by a party and a time window (the Declaration indexes named in
each rule) and capped at SCAN rows: no rule reads all declarations or all orders.

Legal basis (named on each RiskRule row as ``legal_source``): China, GACC Announcement 2018
No. 194 on the supervision of cross-border e-commerce retail imports and exports (the
order, payment and waybill records transmitted to customs and checked against each other;
consumers' identities; goods split or bought in other people's names to stay within the
limits of MOF, GACC and SAT Announcement 2018 No. 49); Malaysia, the Customs Act 1967 with
the risk management of the WTO Trade Facilitation Agreement, Article 7.4 (controls
concentrated on high-risk consignments)."""

from datetime import timedelta

from django.db.models import Q

from hubs.selectors import orders_troubled_count

from ..models import Declaration
from .risk import rule

SCAN = 500  # at most this many recent declarations of one party are read by a rule
NOT_LIVE = (Declaration.Status.CANCELLED, Declaration.Status.REJECTED)
RETAIL_IMPORTS = ("CN_CBEC_IMPORT",)  # where the consumer is a named, identified person


def _since(declaration: Declaration, params: dict, days: int):
    return declaration.created_at - timedelta(days=int(params.get("window_days", days)))


def _consumer(id_reference: str, name: str) -> str:
    """Who a consignment is for: the identity document number where there is one (the
    identity customs checks), otherwise the name as typed, case and spacing aside."""
    if id_reference.strip():
        return "id:" + id_reference.strip().upper()
    return "name:" + " ".join(name.casefold().split())


def _masked(id_reference: str) -> str:
    """An identity number as a reason shows it: its last four characters only."""
    return "…" + id_reference[-4:] if len(id_reference) > 4 else "…"


def _recent(declaration: Declaration, condition: Q, since) -> list[tuple]:
    """(reference, consumer) of the live declarations of the same regime matching
    ``condition`` since ``since``, other than this one, newest first."""
    rows = (
        Declaration.objects.filter(condition, created_at__gte=since, regime=declaration.regime)
        .exclude(pk=declaration.pk)
        .exclude(status__in=NOT_LIVE)
        .order_by("-created_at")
        .values_list("reference", "importer_id_reference", "importer")[:SCAN]
    )
    return [(reference, _consumer(id_ref, name)) for reference, id_ref, name in rows]


def _split_reason(declaration, others: dict, params: dict, what: str) -> str | None:
    """Fires when this and the ``others`` (reference → consumer) are at least
    ``min_declarations`` consignments for at least ``min_consumers`` different consumers."""
    mine = _consumer(declaration.importer_id_reference, declaration.importer)
    consumers = {mine, *others.values()}
    count = len(others) + 1
    if count < int(params.get("min_declarations", 3)):
        return None
    if len(consumers) < int(params.get("min_consumers", 2)):
        return None
    days = int(params.get("window_days", 0))
    listed = ", ".join(sorted(others)[:5]) + (" …" if len(others) > 5 else "")
    return (
        f"{count} consignments {what} within {days} days for {len(consumers)} different "
        f"consumers (with {listed})."
    )


@rule("splitting_by_payer")
def splitting_by_payer(declaration: Declaration, params: dict) -> str | None:
    """Several consignments paid from the same account, or by the same person, for different
    consumers: one buyer spreading its purchases over other people's names and allowances.
    Indexes: declaration_payer_acct_idx, declaration_payer_id_idx."""
    params = {"window_days": 7, **params}
    since = _since(declaration, params, 7)
    others: dict[str, str] = {}
    if declaration.payer_account_key:
        others |= dict(
            _recent(declaration, Q(payer_account_key=declaration.payer_account_key), since)
        )
    if declaration.payer_id_reference:
        others |= dict(
            _recent(declaration, Q(payer_id_reference=declaration.payer_id_reference), since)
        )
    return _split_reason(declaration, others, params, "paid by the same payer")


@rule("splitting_by_address")
def splitting_by_address(declaration: Declaration, params: dict) -> str | None:
    """Several consignments to the same delivery address (normalised: case, spacing,
    punctuation) for different consumers. Index: declaration_address_idx."""
    if not declaration.delivery_address_key:
        return None
    params = {"window_days": 7, **params}
    since = _since(declaration, params, 7)
    others = dict(
        _recent(declaration, Q(delivery_address_key=declaration.delivery_address_key), since)
    )
    return _split_reason(declaration, others, params, "to the same delivery address")


@rule("payer_mismatch")
def payer_mismatch(declaration: Declaration, params: dict) -> str | None:
    """A retail import paid by someone other than its consumer, as the bank reported the
    payer's identity. An identity the bank did not report is the three-record match's
    difference ("not reported"), not this rule's: the goods are held for it there."""
    if declaration.regime not in params.get("regimes", RETAIL_IMPORTS):
        return None
    payer = declaration.payer_id_reference.strip().upper()
    consumer = declaration.importer_id_reference.strip().upper()
    if not payer or not consumer or payer == consumer:
        return None
    return (
        f"The bank reports the payer's identity as {_masked(payer)}, not the consumer's "
        f"({_masked(consumer)})."
    )


@rule("dispute_history")
def dispute_history(declaration: Declaration, params: dict) -> str | None:
    """The seller's (and, for a retail import, the consumer's) other orders declared in the
    window that were disputed or refunded: goods not as described, or not delivered."""
    if declaration.order_id is None:
        return None  # filed by hand without an order: no order history to read
    since = _since(declaration, params, 90)
    days = int(params.get("window_days", 90))
    reasons = [_seller_history(declaration, params, since, days)]
    if declaration.regime in RETAIL_IMPORTS and declaration.importer_id_reference:
        reasons.append(_consumer_history(declaration, params, since, days))
    found = [reason for reason in reasons if reason]
    return " ".join(found) or None


def _order_ids(declaration: Declaration, condition: Q, since) -> set[int]:
    return set(
        Declaration.objects.filter(condition, created_at__gte=since, order__isnull=False)
        .exclude(order_id=declaration.order_id)
        .order_by("-created_at")
        .values_list("order_id", flat=True)[:SCAN]
    )


def _seller_history(declaration, params, since, days) -> str | None:
    # the seller's orders through the declarations filed for it (declaration_of_org_idx):
    # the pipeline files every order's export, and a consumer's import, in its name
    seller_id = declaration.order.seller_id
    orders = _order_ids(
        declaration, Q(organization_id=seller_id, order__seller_id=seller_id), since
    )
    troubled = orders_troubled_count(order_ids=orders) if orders else 0
    minimum = int(params.get("seller_min_orders", 3))
    share = float(params.get("seller_min_share", 0.05))
    if troubled < minimum or troubled < share * len(orders):
        return None
    return (
        f"The seller had {troubled} of its {len(orders)} other orders declared in the last "
        f"{days} days disputed or refunded."
    )


def _consumer_history(declaration, params, since, days) -> str | None:
    # the consumer's orders through its declarations (declaration_buyer_id_idx)
    orders = _order_ids(
        declaration, Q(importer_id_reference=declaration.importer_id_reference), since
    )
    troubled = orders_troubled_count(order_ids=orders) if orders else 0
    if troubled < int(params.get("consumer_min_orders", 2)):
        return None
    return (
        f"The consumer had {troubled} other orders declared in the last {days} days "
        "disputed or refunded."
    )
