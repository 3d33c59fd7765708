"""Every write of the payments app. Money moves only through these services."""
