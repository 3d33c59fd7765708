"""Models of the customs app: the dated tariff and regime parameters the duty engine reads,
goods declarations with their items, assessment and history, and their audits after
clearance."""

from .audits import PostClearanceAudit
from .classification import Classification
from .declarations import (
    AssessmentLine,
    Declaration,
    DeclarationDocument,
    DeclarationItem,
    DeclarationNote,
    DeclarationTransition,
)
from .lvg import LvgRegistration, LvgThresholdNotice
from .origin import CertificateLine, CertificateOfOrigin, OriginDeclaration
from .permits import Agency, Permit, PermitDrawdown
from .positive_list import PositiveListEntry
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
    "Agency",
    "AssessmentLine",
    "CbecAnnualTotal",
    "CertificateLine",
    "CertificateOfOrigin",
    "Classification",
    "CustomsExchangeRate",
    "Declaration",
    "DeclarationDocument",
    "DeclarationItem",
    "DeclarationNote",
    "DeclarationTransition",
    "Lane",
    "LaneDecision",
    "LvgRegistration",
    "LvgThresholdNotice",
    "OriginDeclaration",
    "Permit",
    "PermitDrawdown",
    "PositiveListEntry",
    "PostClearanceAudit",
    "PreferentialRate",
    "RegimeParameter",
    "RiskRule",
    "TariffLine",
    "TariffSchedule",
    "WatchListEntry",
]
