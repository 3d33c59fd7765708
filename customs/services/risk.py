"""The risk engine: weighted, explainable rules → a score → a lane, as ASYCUDA's selectivity.

Each enabled RiskRule (weights and parameters are data) looks at the assessed declaration and
either passes or fires with a reason. The score is the sum of the weights that fired, capped
at 100; CUSTOMS_LANE_THRESHOLDS turn it into green (release), blue (release now, audit
after clearance), yellow (document check) or red (physical inspection). Random selection is
seeded (CUSTOMS_RISK_SEED and the declaration's reference), so the same declaration always
gets the same lane. Every decision stores the rules that fired with their weights.

The rules read the declaration and what its batch's RiskHistory loads (other declarations,
the tariff lines, the regime's thresholds, the watch list): none of them queries the
database itself.
"""

import hashlib
import logging
import statistics
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings

from ..models import Declaration, Lane, LaneDecision
from .duty import REGIMES
from .risk_history import RiskHistory

logger = logging.getLogger(__name__)

RULES = {}


def rule(code: str):
    def register(function):
        RULES[code] = function
        return function

    return register


def _value(declaration: Declaration, amount: Decimal) -> Decimal:
    return amount * declaration.exchange_rate


@rule("undervaluation")
def undervaluation(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    """An item's unit value far below what the same exporter declared for the same HS code."""
    ratio = Decimal(str(params.get("ratio", "0.5")))
    for item in history.items(declaration):
        prices = history.unit_prices(declaration, item.hs_code)
        if len(prices) < int(params.get("min_history", 3)):
            continue
        median = statistics.median(prices)
        unit = _value(declaration, item.value / item.quantity)
        if unit < median * ratio:
            return (
                f"Item {item.line_no}: unit value {unit:.2f} is under {ratio:%} of the "
                f"exporter's median {median:.2f} for HS {item.hs_code}."
            )
    return None


@rule("below_paid")
def below_paid(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    """The declared value is below what the buyer actually paid (the payment record)."""
    if declaration.paid_amount is None:
        return None
    declared = sum((i.value for i in history.items(declaration)), Decimal(0))
    tolerance = Decimal(str(params.get("tolerance_percent", "5"))) / 100
    if declared < declaration.paid_amount * (1 - tolerance):
        return f"Declared {declared} but {declaration.paid_amount} was paid for the order."
    return None


def _threshold(declaration: Declaration, history: RiskHistory) -> Decimal | None:
    name = {"MY": "lvg_threshold", "CN": "cbec_single_limit"}[REGIMES[declaration.regime]]
    found = history.parameter(declaration, name)
    if found is None:  # no threshold in force: nothing to split around
        return None
    try:
        return Decimal(found.value)
    except InvalidOperation:
        # an officer's typo in the parameter must not stop clearance: the rule stands
        # aside, loudly, until the parameter is mended
        logger.error("Regime parameter %s is not a number: %r", name, found.value)
        return None


@rule("splitting")
def splitting(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    """Several consignments to the same buyer within a short window, each under the
    low-value threshold, together over it."""
    threshold = _threshold(declaration, history)
    if threshold is None:
        return None
    window = timedelta(hours=int(params.get("window_hours", 24)))
    totals = history.same_buyer_totals(declaration, window)
    mine = sum((_value(declaration, i.value) for i in history.items(declaration)), Decimal(0))
    parts = [*totals, mine]
    if len(parts) > 1 and all(p <= threshold for p in parts) and sum(parts) > threshold:
        return (
            f"{len(parts)} consignments to the same buyer within {window}, each under "
            f"{threshold} and together {sum(parts):.2f}."
        )
    return None


@rule("weight_value")
def weight_value(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    """Value per kg outside what goods plausibly weigh (customs currency per kg)."""
    low = Decimal(str(params.get("min_value_per_kg", "0.5")))
    high = Decimal(str(params.get("max_value_per_kg", "20000")))
    for item in history.items(declaration):
        per_kg = _value(declaration, item.value) / item.net_weight_kg
        if not low <= per_kg <= high:
            return f"Item {item.line_no}: {per_kg:.2f} per kg is outside {low}–{high}."
    return None


@rule("restricted")
def restricted(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    for item in history.items(declaration):
        line = history.item_line(declaration, item)
        if line is not None and line.permit_required:
            return f"Item {item.line_no}: needs {line.permit_required}."
    return None


@rule("new_exporter")
def new_exporter(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    minimum = int(params.get("min_released", 3))
    released = history.released_count(declaration, minimum)
    if released < minimum:
        return f"{declaration.exporter} has {released} released declarations (under {minimum})."
    return None


@rule("watch_list")
def watch_list(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    names = {declaration.exporter.lower(), declaration.importer.lower()}
    for entry in history.watch_list():
        if entry.name.lower() in names:
            return f"{entry.name} is on the watch list: {entry.reason}."
    return None


@rule("route")
def route(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    origins = set(params.get("origins", []))
    hits = sorted({i.origin.code for i in history.items(declaration)} & origins)
    return f"Goods of origin {', '.join(hits)} on this route." if hits else None


@rule("random")
def random_selection(declaration: Declaration, params: dict, history: RiskHistory) -> str | None:
    rate = float(params.get("rate", 0.05))
    if _draw(declaration) < rate:
        return f"Selected at random ({rate:.0%} of declarations)."
    return None


def _seed(declaration: Declaration) -> str:
    return f"{settings.CUSTOMS_RISK_SEED}:{declaration.reference}"


def _draw(declaration: Declaration) -> float:
    digest = hashlib.sha256(_seed(declaration).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def lane_for(score: int) -> str:
    blue, yellow, red = settings.CUSTOMS_LANE_THRESHOLDS
    if score >= red:
        return Lane.RED
    if score >= yellow:
        return Lane.YELLOW
    if score >= blue:
        return Lane.BLUE
    return Lane.GREEN


def risk_decision(declaration: Declaration, history: RiskHistory) -> LaneDecision:
    """Run every enabled rule; the decision, not saved (the caller stores it with its move;
    a batch stores all of its decisions in one insert). ``history``: the enabled rules and
    everything they read, shared by the batch the declaration is routed with."""
    fired = []
    for risk_rule in history.rules():
        check = RULES.get(risk_rule.code)
        reason = check(declaration, risk_rule.parameters or {}, history) if check else None
        if reason:
            fired.append(
                {
                    "code": risk_rule.code,
                    "name": risk_rule.name,
                    "weight": risk_rule.weight,
                    "reason": reason,
                }
            )
    score = min(sum(f["weight"] for f in fired), 100)
    return LaneDecision(
        declaration=declaration,
        score=score,
        lane=lane_for(score),
        rules_fired=fired,
        seed=_seed(declaration)[:40],
    )


# the rules about who paid and where the goods go register themselves with RULES
from . import risk_people  # noqa: E402, F401
