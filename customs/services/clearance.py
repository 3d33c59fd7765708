"""The automatic steps of customs clearance, for a batch of declarations at a time: the duty
engine assesses the submitted ones, then the risk engine routes the assessed ones to a lane,
and the green and blue ones are released (or held where the three records disagree or a
permit is missing).

Both steps run in one transaction over the whole batch. It locks the declarations in id
order (two batches never deadlock) and reads them with their items once, reads what the
steps need once (the tariff lines, the buyers' running totals, the reference data through
``reference_cache``, the risk rules' history through a ``RiskHistory``), decides each
declaration in memory with the pure duty engine and rules, and writes every table's rows in
one statement (``rows_update``, ``bulk_create``, ``Moves.write``): the number of queries does
not grow with the batch. The few
declarations off the common path do their own extra reads inside the same step: an import
item without a tariff line (classification is requested), goods under permit (the permit is
drawn), one the engine refuses (rejected with the reason).

Each step acts only from its own state (assessment on the submitted, routing on the
assessed), so a repeated, duplicated or retried batch finds done what was committed and never
repeats an effect; a batch that fails midway is undone whole. If it fails as a whole (a value
too large for its column, a bug), the batch is done again one declaration at a time, so one
bad declaration never holds up the others.
"""

import logging
from decimal import Decimal

from django.db import DataError, InterfaceError, OperationalError, transaction
from django.utils import translation

from ewtp.common.bulk import rows_update
from ewtp.common.errors import ApplicationError
from ewtp.common.rate_age import RateStale

from ..models import AssessmentLine, CbecAnnualTotal, Declaration, Lane, LaneDecision
from .decisions import MATCHER, differ_reason
from .duty import REGIMES
from .duty_assessment import assess
from .matching import REGIMES_MATCHED, match_differences
from .moves import (
    MOVED_FIELDS,
    Moves,
    PublicNotice,
    TransitionNote,
    declaration_transition,
)
from .parties import buyer_key
from .permits import PERMIT_CHECK, permits_draw_at_release, permits_give_back
from .processing import classification_request, declaration_consignment, items_unclassified
from .reference_cache import reference_cache
from .risk import risk_decision
from .risk_history import RiskHistory
from .tariff_in_force import classified_line

logger = logging.getLogger(__name__)

BATCH = 500
ENGINE = "duty engine"
RISK = "risk engine"
LANE_ORDER = [Lane.GREEN, Lane.BLUE, Lane.YELLOW, Lane.RED]
TRANSIENT = (OperationalError, InterfaceError, RateStale)  # the task is retried


def declarations_process(*, declaration_ids: list[int]) -> int:
    """Carry submitted (and re-assessed) declarations through the automatic steps, BATCH at
    a time. Returns how many of them exist and were processed (a bug in one is logged and
    leaves it where it was: the stuck sweeper reports it)."""
    done = 0
    with reference_cache():
        for start in range(0, len(declaration_ids), BATCH):
            done += _batch(declaration_ids[start : start + BATCH])
    return done


def declaration_process(*, declaration_id: int) -> Declaration | None:
    """One declaration through the automatic steps; returns it as it is now (None: no such
    declaration)."""
    declarations_process(declaration_ids=[declaration_id])
    return Declaration.objects.filter(pk=declaration_id).first()


def declaration_steps_now(declaration_id: int) -> Declaration:
    """Assess and route one declaration now, in the caller's transaction (an amendment): the
    engine's refusal is raised to the caller, whose change is then undone."""
    _steps([declaration_id], refusal_raised=True)
    return Declaration.objects.get(pk=declaration_id)


def _batch(ids: list[int]) -> int:
    try:
        _steps(ids)
        return Declaration.objects.filter(pk__in=ids).count()
    except TRANSIENT:
        raise
    except Exception as error:
        if len(ids) > 1:
            logger.warning("customs: a batch of %s failed; one at a time", len(ids), exc_info=True)
            return sum(_batch([pk]) for pk in ids)
        return _failed_alone(ids[0], error)


def _failed_alone(pk: int, error: Exception) -> int:
    """One declaration whose step failed on its own: rejected where the failure is the
    declaration's (a value too large for any column), never left for a retry that would fail
    the same way; a bug is logged and the declaration left where it is, for the sweeper to
    report."""
    if not isinstance(error, DataError):
        logger.error("customs: declaration %s could not be processed", pk, exc_info=error)
        return 0
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().filter(pk=pk).first()
        if declaration is None:
            return 0
        step = {
            Declaration.Status.SUBMITTED: "assessed",
            Declaration.Status.ASSESSED: "routed",
        }.get(declaration.status)
        if step:
            declaration_transition(
                declaration=declaration,
                to=Declaration.Status.REJECTED,
                actor_label=ENGINE,
                reason=f"Cannot be {step}: a value is out of range",
                decision=True,
            )
    return 1


def _steps(ids: list[int], *, refusal_raised: bool = False) -> None:
    """Assess the submitted declarations among ``ids``, then route the assessed ones (those
    just assessed and any left assessed before), in one transaction: the declarations are
    locked and read once, and their rows, transitions, audit and events written once."""
    with transaction.atomic():
        declarations = list(
            Declaration.objects.select_for_update()
            .filter(
                pk__in=ids, status__in=[Declaration.Status.SUBMITTED, Declaration.Status.ASSESSED]
            )
            .order_by("pk")
            .prefetch_related("items__classification__tariff_line", "items__tariff_line")
        )
        if not declarations:
            return
        moves = Moves()
        submitted = [d for d in declarations if d.status == Declaration.Status.SUBMITTED]
        if submitted:
            _assess_step(submitted, moves, refusal_raised=refusal_raised)
        routed = [d for d in declarations if d.status == Declaration.Status.ASSESSED]
        if routed:
            refused = [d for d in submitted if d.status == Declaration.Status.REJECTED]
            if refused:  # the risk rules leave rejected declarations out of a party's history
                rows_update(refused, ["status"])
            _route_step(routed, moves)
        # those still submitted wait for a classification (their move written on its own)
        rows_update(
            [d for d in declarations if d.status != Declaration.Status.SUBMITTED],
            [*MOVED_FIELDS, "cbec_reserved_minor", "match_differences"],
        )
        moves.write()


# -- assessment -------------------------------------------------------------------------


def _assess_step(declarations: list[Declaration], moves: Moves, *, refusal_raised: bool) -> None:
    """Assess the submitted ``declarations`` (locked) with the tariff in force on each
    declaration date; an import item without a line waits for the officers' classification
    instead (its declaration moves to CLASSIFY, on its own). The declarations assessed or
    rejected are the caller's to write; their items, assessment lines and the buyers'
    running totals are written here."""
    totals = _running_totals(declarations)
    assessed, lines, items = [], [], []
    for declaration in declarations:
        declaration_items = list(declaration.items.all())
        if unclassified := items_unclassified(declaration, declaration_items):
            classification_request(declaration, unclassified)
            continue
        total = totals.get(_total_key(declaration))
        try:
            assessment_lines, note = _assess(declaration, declaration_items, total)
        except ApplicationError as error:
            if refusal_raised:
                raise
            # not assessable as it stands (a tariff line withdrawn since it was filed):
            # back to the declarant with the reason, never left for a retry that would
            # fail the same way
            moves.decide(
                declaration,
                Declaration.Status.REJECTED,
                TransitionNote(ENGINE, f"Cannot be assessed: {error.message}"),
            )
            if total is not None:  # its reservation from an earlier assessment
                total.total_minor -= declaration.cbec_reserved_minor
                declaration.cbec_reserved_minor = 0
            permits_give_back(declaration, actor_label=ENGINE)
            assessed.append(declaration)
            continue
        moves.move(declaration, Declaration.Status.ASSESSED, TransitionNote(ENGINE, note))
        assessed.append(declaration)
        lines += assessment_lines
        items += declaration_items
    AssessmentLine.objects.filter(declaration__in=assessed).delete()
    AssessmentLine.objects.bulk_create(lines)
    rows_update(items, ["tariff_line"])
    rows_update(list(totals.values()), ["total_minor"])


def _total_key(declaration: Declaration) -> tuple | None:
    if declaration.regime != "CN_CBEC_IMPORT":
        return None
    return (buyer_key(declaration.importer_id_reference), declaration.declared_on.year)


def _running_totals(declarations: list[Declaration]) -> dict[tuple, CbecAnnualTotal]:
    """The CBEC buyers' running totals for the year, created where missing and locked (in
    key order) for the step."""
    keys = sorted({key for d in declarations if (key := _total_key(d))})
    if not keys:
        return {}
    CbecAnnualTotal.objects.bulk_create(  # INSERT … ON CONFLICT DO NOTHING: no race
        [CbecAnnualTotal(buyer_key=key, year=year) for key, year in keys],
        ignore_conflicts=True,
    )
    found = (
        CbecAnnualTotal.objects.select_for_update()
        .filter(buyer_key__in={key for key, _year in keys}, year__in={y for _k, y in keys})
        .order_by("buyer_key", "year")
    )
    return {(t.buyer_key, t.year): t for t in found if (t.buyer_key, t.year) in set(keys)}


def _assess(declaration: Declaration, items: list, total: CbecAnnualTotal | None):
    """The engine's assessment of one declaration, applied in memory; returns its assessment lines
    (to be inserted) and its notes. Applied: the tariff line of each item, its treatment and
    total, and the buyer's running total with this declaration's reservation (its earlier one,
    from an assessment before an amendment, given back first). Raises ApplicationError, changing
    nothing, when the engine refuses it."""
    country = REGIMES[declaration.regime]
    annual = Decimal(0)
    if total is not None:
        annual = Decimal(total.total_minor - declaration.cbec_reserved_minor) / 100
    assessment = assess(
        declaration_consignment(
            declaration,
            items,
            values={i.line_no: i.value for i in items},
            lines=[classified_line(i, country, declaration.declared_on) for i in items],
            buyer_annual_total=annual,
        )
    )
    # the tariff lines (so the schedule versions) assessed with; an officer's own rates have
    # no saved line
    for item, line in zip(items, assessment.tariff_lines, strict=True):
        item.tariff_line = line if line is not None and line.pk else None
    declaration.treatment, declaration.total_tax = assessment.treatment, assessment.total
    if total is not None:
        reserved = 0
        if assessment.treatment == "cbec":  # the CIF the limits were checked on
            reserved = int(sum(line.base for line in assessment.lines if line.tax == "duty") * 100)
        total.total_minor += reserved - declaration.cbec_reserved_minor
        declaration.cbec_reserved_minor = reserved
    note = " ".join(n if n.endswith(".") else f"{n}." for n in assessment.notes)
    return [
        AssessmentLine(
            declaration=declaration,
            line_no=line.item + 1,
            tax=line.tax,
            base=line.base,
            rate=line.rate,
            rule=line.rule[:200],
            legal_source=line.legal_source[:200],
            amount=line.amount,
        )
        for line in assessment.lines
    ], note


# -- risk, lane and release ---------------------------------------------------------------


def lane_at_least(lane: str, at_least: str) -> str:
    """An amended declaration that was waiting for an officer keeps the stricter of its old
    and new lanes, and still waits for the officer."""
    if not at_least:
        return lane
    if LANE_ORDER.index(at_least) > LANE_ORDER.index(lane):
        lane = at_least
    return Lane.YELLOW if lane in (Lane.GREEN, Lane.BLUE) else lane


def _route_step(declarations: list[Declaration], moves: Moves) -> None:
    """Route the assessed ``declarations`` (locked) by risk; release the green and blue
    ones whose records agree and whose permits cover them (a declaration an officer had
    queued, amended and assessed since, keeps its lane and waits for the officer). Their
    lane decisions are written here; the declarations, by the caller."""
    history = RiskHistory(declarations)
    decisions = []
    for declaration in declarations:
        decision = risk_decision(declaration, history)
        decision.lane = lane_at_least(decision.lane, declaration.lane)
        decisions.append(decision)
        _route(declaration, decision, moves, history)
    LaneDecision.objects.bulk_create(decisions)


def _route(declaration: Declaration, decision: LaneDecision, moves: Moves, history) -> None:
    declaration.lane = decision.lane
    with translation.override("en"):  # the record's language; shown translated by lane
        lane = str(Lane(decision.lane).label)
    reasons = "; ".join(f"{f['code']} (+{f['weight']})" for f in decision.rules_fired)
    moves.move(
        declaration,
        Declaration.Status.LANE,
        TransitionNote(
            RISK,
            f"{lane}, score {decision.score}" + (f": {reasons}" if reasons else ""),
            PublicNotice(reason=lane),
        ),
    )
    if decision.lane not in (Lane.GREEN, Lane.BLUE):
        return  # waits for an officer
    if declaration.regime in REGIMES_MATCHED:
        declaration.match_differences = match_differences(
            declaration, list(declaration.items.all())
        )
        if declaration.match_differences:
            moves.decide(
                declaration,
                Declaration.Status.HELD,
                TransitionNote(MATCHER, differ_reason(declaration.match_differences)),
            )
            return
    under_permit = any(
        item.tariff_line and item.tariff_line.permit_required for item in declaration.items.all()
    )
    if under_permit and (missing := permits_draw_at_release(declaration, actor_label=RISK)):
        moves.decide(declaration, Declaration.Status.HELD, TransitionNote(PERMIT_CHECK, missing))
        return
    if (
        moves.decide(declaration, Declaration.Status.RELEASED, TransitionNote(RISK, lane))
        == Declaration.Status.RELEASED
    ):
        history.note_released(declaration)
