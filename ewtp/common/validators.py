"""Validators of the text people name things with, shared by every app.

Names and titles are shown to other people: in the portal, on waybills, in e-mails, in the
bank's transfer instructions. Unicode's bidirectional controls reorder what follows them on
screen, so a name can be made to display as something it is not ("Trojan Source",
CVE-2021-42574): "Acme", U+202E, "gpj.exe" displays as "Acmeexe.jpg". No legitimate name
needs them: right-to-left scripts are laid out correctly without them.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .errors import CommonErrorCode

# The explicit directional formatting characters of Unicode (UAX #9, section 2): embeddings
# and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and the marks LRM, RLM and ALM.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)

BIDI_CONTROLS_MESSAGE = _(
    "Remove the invisible text-direction characters (such as U+202E) from this text: they "
    "can make it display as something it is not."
)


def has_bidi_controls(text: str) -> bool:
    return not BIDI_CONTROLS.isdisjoint(text)


def no_bidi_controls(value) -> None:
    """Refuse a name or title with a bidirectional control character (a model field, form
    or serializer validator)."""
    if isinstance(value, str) and has_bidi_controls(value):
        raise ValidationError(BIDI_CONTROLS_MESSAGE, code=CommonErrorCode.NAME_HAS_BIDI_CONTROLS)
