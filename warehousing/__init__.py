"""Warehouses at the hubs: stock held ahead of demand, and China's bonded import of it (1210)."""
