"""Permits of other agencies: goods whose tariff line requires a permit are held until a
valid permit of the declarant covers them; an officer registers one, releases, and the
release draws the permit down once; cancelling gives it back; bad registrations are refused
with their reason."""
