"""The officers' forms of the e-road page: a peer deployment to register, and a public key to
add to one. They check the shape of what was typed; peering/services/peers.py decides the
rest (the address the outbound guard allows, a key that is an Ed25519 key, no twins)."""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hubs.selectors import eroad_list

from .errors import PeeringErrorCode


class PeerRegisterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    deployment = forms.CharField(
        label=_("Deployment id"),
        max_length=100,
        help_text=_("The id the peer signs its messages as, e.g. hgh.ewtp-hub.example."),
    )
    base_url = forms.URLField(
        label=_("Base URL"),
        max_length=300,
        assume_scheme="https",
        help_text=_(
            "Where the peer's hub answers, e.g. https://hgh.ewtp-hub.example: our messages "
            "go to its /api/v1/eroad/messages."
        ),
    )
    eroads = forms.ModelMultipleChoiceField(
        label=_("E-roads it serves"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # read when the form is shown or checked, so a newly opened e-road is offered
        self.fields["eroads"].queryset = eroad_list().order_by("origin__code", "destination__code")

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"]
        # a URL field takes ftp:// too; a peer answers over HTTP only
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise ValidationError(
                _("A peer's base URL starts with https://."), code=PeeringErrorCode.PEER_INVALID
            )
        return url


class PeerKeyForm(forms.Form):
    """One peer's form on a page that shows every peer's: its fields' ids name the peer."""

    key_id = forms.CharField(label=_("Key id"), max_length=64)
    public_key = forms.CharField(
        label=_("Public key"),
        max_length=100,
        help_text=_("32 bytes, base64url, as the peer's GET /api/v1/eroad/keys lists it."),
    )

    def __init__(self, *args, peer, **kwargs):
        self.peer = peer
        kwargs.setdefault("auto_id", f"id_key_{peer.public_id.hex[:12]}_%s")
        super().__init__(*args, **kwargs)
