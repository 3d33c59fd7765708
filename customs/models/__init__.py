"""Models of the customs app: the dated tariff and regime parameters the duty engine reads, and
goods declarations with their items, assessment and history."""

from .classification import Classification
from .declarations import (
    AssessmentLine,
    Declaration,
    DeclarationDocument,
    DeclarationItem,
    DeclarationNote,
    DeclarationTransition,
)
from .rates import CustomsExchangeRate
from .risk import Lane, LaneDecision, RiskRule, WatchListEntry
from .tariff import (
    CbecAnnualTotal,
    PreferentialRate,
    RegimeParameter,
    TariffLine,
    TariffSchedule,
)

__all__ = [
    "AssessmentLine",
    "CbecAnnualTotal",
    "Classification",
    "CustomsExchangeRate",
    "Declaration",
    "DeclarationDocument",
    "DeclarationItem",
    "DeclarationNote",
    "DeclarationTransition",
    "Lane",
    "LaneDecision",
    "PreferentialRate",
    "RegimeParameter",
    "RiskRule",
    "TariffLine",
    "TariffSchedule",
    "WatchListEntry",
]
