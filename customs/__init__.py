"""Customs: tariff, declarations, duty/tax engine, risk lanes, inspections, release."""
