"""Who may claim a trade agreement's rates: its parties (PreferentialRate.PARTNERS), for the
duty engine's inputs, for filing (a claim for goods of a non-party is refused before it is
assessed) and for the rules of origin."""

from ..models import PreferentialRate
from .duty import party_check


def agreement_parties(agreement: str) -> frozenset[str] | None:
    """The ISO codes of the parties to ``agreement`` (None: an agreement without a list)."""
    partners = PreferentialRate.PARTNERS.get(agreement)
    if partners is None:
        return None
    parties = {code for importer, origins in partners.items() for code in origins.split()}
    return frozenset(parties | (set(partners) - {"*"}))


def origin_party_check(agreement: str, index: int, origin: str) -> None:
    """Refuse a preferential claim for item ``index`` originating outside ``agreement``."""
    party_check(agreement, agreement_parties(agreement), index, origin)
