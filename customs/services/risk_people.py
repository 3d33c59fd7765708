"""Risk rules about the money and the people behind a consignment: who paid for it, where it
goes, and how the seller's and the consumer's earlier orders ended.

They register with the engine in customs.services.risk like its other rules (weights and parameters
are RiskRule rows, each firing is stored on the LaneDecision). What they read of other declarations
comes from the batch's RiskHistory: one index range scan per party, bounded by a time window (the
Declaration indexes named in each rule) and capped at SCAN rows, for the whole batch: no rule reads
all declarations or all orders. Legal basis (named on each RiskRule row as ``legal_source``): China,
GACC Announcement 2018 No. 194 on the supervision of cross-border e-commerce retail imports and
exports (the order, payment and waybill records transmitted to customs and checked against each
other; consumers' identities; goods split or bought in other people's names to stay within the
limits of MOF, GACC and SAT Announcement 2018 No. 49); Malaysia, the Customs Act 1967 with the risk
management of the WTO Trade Facilitation Agreement, Article 7.4 (controls concentrated on high-risk
consignments)."""

from ..models import Declaration
from .risk import rule
from .risk_history import RiskHistory

RETAIL_IMPORTS = ("CN_CBEC_IMPORT",)  # where the consumer is a named, identified person


def _consumer(id_reference: str, name: str) -> str:
    """Who a consignment is for: the identity document number where there is one (the
    identity customs checks), otherwise the name as typed, case and spacing aside."""
    if id_reference.strip():
        return "id:" + id_reference.strip().upper()
    return "name:" + " ".join(name.casefold().split())


def _masked(id_reference: str) -> str:
    """An identity number as a reason shows it: its last four characters only."""
    return "…" + id_reference[-4:] if len(id_reference) > 4 else "…"


def _recent(declaration, history: RiskHistory, field: str, params: dict) -> dict[str, str]:
    """reference → consumer of the live declarations of the same regime with the same
    ``field`` in the window, other than this one, newest first (at most SCAN)."""
    days = int(params["window_days"])
    return {
        reference: _consumer(id_reference, name)
        for reference, id_reference, name in history.recent(declaration, field, days)
    }


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
def splitting_by_payer(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    """Several consignments paid from the same account, or by the same person, for different
    consumers: one buyer spreading its purchases over other people's names and allowances.
    Indexes: declaration_payer_acct_idx, declaration_payer_id_idx."""
    params = {"window_days": 7, **params}
    others = _recent(declaration, history, "payer_account_key", params)
    others |= _recent(declaration, history, "payer_id_reference", params)
    return _split_reason(declaration, others, params, "paid by the same payer")


@rule("splitting_by_address")
def splitting_by_address(
    declaration: Declaration, params: dict, history: RiskHistory
) -> str | None:
    """Several consignments to the same delivery address (normalised: case, spacing,
    punctuation) for different consumers. Index: declaration_address_idx."""
    if not declaration.delivery_address_key:
        return None
    params = {"window_days": 7, **params}
    others = _recent(declaration, history, "delivery_address_key", params)
    return _split_reason(declaration, others, params, "to the same delivery address")


@rule("payer_mismatch")
def payer_mismatch(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
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
def dispute_history(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    """The seller's (and, for a retail import, the consumer's) other orders declared in the
    window that were disputed or refunded: goods not as described, or not delivered."""
    if declaration.order_id is None:
        return None  # filed by hand without an order: no order history to read
    days = int(params.get("window_days", 90))
    reasons = [_seller_history(declaration, params, history, days)]
    if declaration.regime in RETAIL_IMPORTS and declaration.importer_id_reference:
        reasons.append(_consumer_history(declaration, params, history, days))
    found = [reason for reason in reasons if reason]
    return " ".join(found) or None


def _seller_history(declaration, params, history: RiskHistory, days) -> str | None:
    # the seller's orders through the declarations filed for it (declaration_of_org_idx):
    # the pipeline files every order's export, and a consumer's import, in its name
    orders = history.order_ids(declaration, "seller", days)
    troubled = history.troubled(orders)
    minimum = int(params.get("seller_min_orders", 3))
    share = float(params.get("seller_min_share", 0.05))
    if troubled < minimum or troubled < share * len(orders):
        return None
    return (
        f"The seller had {troubled} of its {len(orders)} other orders declared in the last "
        f"{days} days disputed or refunded."
    )


def _consumer_history(declaration, params, history: RiskHistory, days) -> str | None:
    # the consumer's orders through its declarations (declaration_buyer_id_idx)
    orders = history.order_ids(declaration, "consumer", days)
    troubled = history.troubled(orders)
    if troubled < int(params.get("consumer_min_orders", 2)):
        return None
    return (
        f"The consumer had {troubled} other orders declared in the last {days} days "
        "disputed or refunded."
    )
