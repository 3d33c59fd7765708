"""Why an order moved and who moved it, as its history records them and as a reader sees
them.

The record is written once, in English (the audit, the API and the officers read it as it
was written); a page shows it in the reader's language. Every reason the hub itself gives is
one of the sentences below, marked for translation and filled with its details when
recorded; a page matches a recorded reason against them and shows the translation with the
same details. What a person typed (a cancellation, a dispute) is shown as typed.
"""

import functools
import re

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

PAYMENT_REQUESTED = _("Payment requested from the buyer.")
HELD_IN_ESCROW = _("The full amount is held in escrow.")
EXPORT_FILED = _("Export declaration filed.")
EXPORT_FILED_AT = _("Export declaration %(reference)s filed at %(hub)s.")
EXPORT_RELEASED = _("Export declaration released.")
DEPARTED = _("Departed on %(flight)s under MAWB %(mawb)s.")
DELIVERED = _("Delivered: the buyer's confirmation window runs.")
BUYER_CONFIRMED = _("The buyer confirmed receipt.")
WINDOW_ENDED = _("The buyer's confirmation window ended without a dispute.")
PAID_OUT = _("Payout %(payout)s of %(amount)s reached the seller's bank.")
NOT_PAID_IN_TIME = _("Payment not received in time.")
CLAIM = _("Claim for parcel %(waybill)s, lost or damaged: %(detail)s")
CUSTOMS_REJECTED = _("Customs rejected declaration %(reference)s: %(detail)s")
IMPORT_FILED_FROM_STOCK = _(
    "Retail import %(reference)s filed at %(hub)s for goods in bonded stock (mode 1210)."
)
IMPORT_FILED_FROM_STOCK_ALREADY = _("Retail import for goods in bonded stock filed.")
SERVED_FROM_STOCK = _("Served from stock at %(warehouse)s: no customs at this step.")
DISPATCHED_FROM_STOCK = _("Picked, packed and handed to the courier under waybill %(waybill)s.")

REASONS = (
    PAYMENT_REQUESTED,
    HELD_IN_ESCROW,
    EXPORT_FILED,
    EXPORT_FILED_AT,
    EXPORT_RELEASED,
    DEPARTED,
    DELIVERED,
    BUYER_CONFIRMED,
    WINDOW_ENDED,
    PAID_OUT,
    NOT_PAID_IN_TIME,
    CLAIM,
    CUSTOMS_REJECTED,
    IMPORT_FILED_FROM_STOCK,
    IMPORT_FILED_FROM_STOCK_ALREADY,
    SERVED_FROM_STOCK,
    DISPATCHED_FROM_STOCK,
)
# the hub's own steps sign as these; people sign with their e-mail or their bank's name
ACTORS = {"pipeline": _("the hub"), "system": _("the hub")}

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def reason_record(reason: str, **details) -> str:
    """The reason as the history records it: the English sentence with its details."""
    return reason % details if details else reason


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    patterns = []
    for reason in REASONS:
        parts = PLACEHOLDER.split(reason)
        # literal, name, literal, name, ..., literal
        regex = "".join(
            re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts)
        )
        patterns.append((re.compile(regex + r"(?P<_rest>(?: .*)?)$", re.DOTALL), reason))
    return tuple(patterns)


def reason_shown(recorded: str) -> str:
    """A recorded reason in the reader's language: one of the hub's sentences translated
    with its details (and what followed it, as recorded), anything else as written."""
    for pattern, reason in _patterns():
        found = pattern.match(recorded)
        if found:
            details = found.groupdict()
            rest = details.pop("_rest")
            return gettext(reason) % details + rest if details else gettext(reason) + rest
    return recorded


def actor_shown(label: str) -> str:
    return gettext(ACTORS[label]) if label in ACTORS else label
