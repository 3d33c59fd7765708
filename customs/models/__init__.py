"""Models of the customs app: the dated tariff and the regime parameters the duty engine reads
(declarations, risk and lanes come with the clearance workflow)."""

from .tariff import CbecAnnualTotal, PreferentialRate, RegimeParameter, TariffLine

__all__ = ["CbecAnnualTotal", "PreferentialRate", "RegimeParameter", "TariffLine"]
