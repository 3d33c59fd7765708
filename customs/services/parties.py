"""The people behind a consignment as the risk rules compare them: a delivery address and a
payer's account reduced to keys, so that "the same address" and "the same account" are one
indexed look-up each.

An address is compared after normalising what people type differently for the same place:
letter case, full-width forms, punctuation and white space ("18 Wensan Rd., Hangzhou" and
"18 wensan rd hangzhou" are one address). An account is kept only as a keyed digest: customs
needs to know that two payments came from the same account, never the account number, which
stays with the payments app and its bank."""

import hashlib
import hmac
import unicodedata

from django.conf import settings


def address_normalised(address: str) -> str:
    """Case-folded, NFKC (full-width digits and letters as ASCII), punctuation and symbols
    removed, white space collapsed to single spaces."""
    text = unicodedata.normalize("NFKC", address or "").casefold()
    kept = "".join(" " if unicodedata.category(c)[0] in "PSZC" or c.isspace() else c for c in text)
    return " ".join(kept.split())


def address_key(address: str) -> str:
    """The key of a delivery address; empty for an empty (or all-punctuation) address, which
    matches nothing."""
    normalised = address_normalised(address)
    if not normalised:
        return ""
    return hashlib.sha256(f"address:{normalised}".encode()).hexdigest()


def account_key(account: str) -> str:
    """A keyed digest of a payer's account number (spaces and hyphens ignored, letters in
    upper case, as in an IBAN); empty when the bank reported no account. Keyed with the
    site's secret so the digest cannot be reversed by trying every account number."""
    normalised = "".join(c for c in (account or "").upper() if c.isalnum())
    if not normalised:
        return ""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"payer-account:{normalised}".encode(), hashlib.sha256
    ).hexdigest()


def buyer_key(id_reference: str) -> str:
    """The key of a consumer's CBEC running total: a hash, so the ID is not copied around."""
    return hashlib.sha256(id_reference.strip().upper().encode()).hexdigest()
