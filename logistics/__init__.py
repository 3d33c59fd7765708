"""Logistics: facilities, parcels, consolidations, flights on e-roads, tracking."""
