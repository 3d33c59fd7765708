"""Analytics: trade facts, rollups, dashboards and exports (reads other apps, writes none)."""
