"""The e-road page of the MDEC officers: this deployment's id and the keys it signs with, each
peer deployment with its keys and its health (our messages waiting and for how long, theirs
held for an earlier one, refusals on either side), the forms that register a peer and add
its keys, and the latest refusals. Every action is a service that audits itself; the page
runs a fixed number of queries however many peers and messages there are."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from ewtp.common.errors import ApplicationError
from hubs.portal import form_error_from
from hubs.roles import Perm, PermissionRequiredMixin

from . import selectors
from .forms import PeerKeyForm, PeerRegisterForm
from .models import Peer
from .selectors import PeerHealth
from .services.outbound import message_send
from .services.peers import own_key_rotate, peer_key_add, peer_key_retire, peer_register

REFUSALS_SHOWN = 20
PING = {"type": "eroad.ping", "stream": "ping", "payload": {"note": "from the officers' page"}}


@dataclass(frozen=True)
class PeerStatus:
    tone: str  # "healthy", "waiting" or "refused"
    lines: list[str]

    @property
    def css(self) -> str:
        """The colour of the status line, in the portal's status classes."""
        return {"healthy": "status-approved", "waiting": "status-submitted"}.get(
            self.tone, "status-rejected"
        )


def peer_status(health: PeerHealth) -> PeerStatus:
    """The peer's health in one line per concern, the worst deciding its colour."""
    lines = []
    if health.waiting_out:
        lines.append(
            ngettext(
                "Waiting: %(count)d message, oldest %(age)s ago",
                "Waiting: %(count)d messages, oldest %(age)s ago",
                health.waiting_out,
            )
            % {"count": health.waiting_out, "age": timesince(health.oldest_waiting_at, depth=1)}
        )
    if health.waiting_in:
        lines.append(
            ngettext(
                "Held here: %(count)d of theirs waits for an earlier message",
                "Held here: %(count)d of theirs wait for an earlier message",
                health.waiting_in,
            )
            % {"count": health.waiting_in}
        )
    refusals = _refusals(health)
    if refusals:
        lines.append(_("Refusals: %(refusals)s") % {"refusals": "; ".join(refusals)})
    tone = "refused" if refusals else "waiting" if lines else "healthy"
    return PeerStatus(tone, lines or [_("Healthy")])


def _refusals(health: PeerHealth) -> list[str]:
    counts = [
        (
            health.refused_out,
            ngettext(
                "%(count)d of ours refused by the peer",
                "%(count)d of ours refused by the peer",
                health.refused_out,
            ),
        ),
        (
            health.failed_in,
            ngettext(
                "%(count)d of theirs refused by our handlers",
                "%(count)d of theirs refused by our handlers",
                health.failed_in,
            ),
        ),
        (
            health.refused_requests,
            ngettext(
                "%(count)d request refused here in the last 24 hours",
                "%(count)d requests refused here in the last 24 hours",
                health.refused_requests,
            ),
        ),
    ]
    return [text % {"count": count} for count, text in counts if count]


@dataclass(frozen=True)
class PeerRow:
    health: PeerHealth
    status: PeerStatus
    key_form: PeerKeyForm


class ERoadView(PermissionRequiredMixin, TemplateView):
    """One page for the whole e-road; its forms post back to it with an ``action``."""

    permission = Perm.PEERING_MANAGE
    template_name = "peering/eroad.html"

    def get_context_data(self, register_form=None, key_form=None, **kwargs):
        rows = [
            PeerRow(
                health=health,
                status=peer_status(health),
                # the form that was refused is shown again with its errors, on its peer
                key_form=key_form
                if key_form is not None and key_form.peer.pk == health.peer.pk
                else PeerKeyForm(peer=health.peer),
            )
            for health in selectors.peers_health()
        ]
        return super().get_context_data(
            deployment=settings.PEERING_DEPLOYMENT,
            keys_url=self.request.build_absolute_uri(reverse("api-eroad-keys")),
            own_keys=selectors.signing_keys_published(),
            rows=rows,
            register_form=register_form or PeerRegisterForm(),
            refusals=selectors.refusals_recent(limit=REFUSALS_SHOWN),
            refused_out=selectors.outbound_refused(limit=REFUSALS_SHOWN),
            **kwargs,
        )

    def post(self, request):
        action = request.POST.get("action", "")
        if action == "register":
            return self._register(request)
        if action == "rotate":
            return self._rotate(request)
        if action not in ("key_add", "key_retire", "ping"):
            return redirect("peering:eroad")
        peer = self._peer(request.POST.get("peer", ""))
        if action == "key_add":
            return self._key_add(request, peer)
        if action == "key_retire":
            return self._key_retire(request, peer)
        return self._ping(request, peer)

    def _peer(self, public_id: str) -> Peer:
        try:
            peer = selectors.peer_of(public_id=uuid.UUID(public_id))
        except ValueError:
            peer = None
        if peer is None:
            raise Http404("No such peer.")
        return peer

    def _register(self, request):
        form = PeerRegisterForm(request.POST)
        if form.is_valid():
            try:
                peer = peer_register(actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form_error_from(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "%(peer)s registered. Next, add its public keys: its officers read "
                        "them at its GET /api/v1/eroad/keys and send them to you through a "
                        "channel you trust. Until then its messages are refused."
                    )
                    % {"peer": peer.name},
                )
                return redirect("peering:eroad")
        return self.render_to_response(self.get_context_data(register_form=form), status=400)

    def _key_add(self, request, peer: Peer):
        form = PeerKeyForm(request.POST, peer=peer)
        if form.is_valid():
            try:
                key = peer_key_add(peer=peer, actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form_error_from(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Key %(key)s of %(peer)s added: messages signed with it are taken from "
                        "now on. Retire the peer's old key once it signs with this one."
                    )
                    % {"key": key.key_id, "peer": peer.name},
                )
                return redirect("peering:eroad")
        return self.render_to_response(self.get_context_data(key_form=form), status=400)

    def _key_retire(self, request, peer: Peer):
        key = selectors.peer_key_of(peer=peer, key_id=request.POST.get("key_id", ""))
        if key is None:
            raise Http404("No such key of this peer.")
        peer_key_retire(key=key, actor=request.user)
        messages.success(
            request,
            _(
                "Key %(key)s of %(peer)s retired: a message signed with it is refused from now "
                "on (the peer's hub keeps it waiting and retries it)."
            )
            % {"key": key.key_id, "peer": peer.name},
        )
        return redirect("peering:eroad")

    def _rotate(self, request):
        key = own_key_rotate(actor=request.user)
        messages.success(
            request,
            _(
                "Key %(key)s signs our messages from now on; the previous key stays in force. "
                "Send the new public key to each peer's officers through a channel you trust, "
                "so that they add it."
            )
            % {"key": key.key_id},
        )
        return redirect("peering:eroad")

    def _ping(self, request, peer: Peer):
        try:
            message_send(peer=peer, **PING)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "Ping to %(peer)s queued: it goes out now. If the peer cannot take it, it "
                    "waits among the messages below and is tried again until it can."
                )
                % {"peer": peer.name},
            )
        return redirect("peering:eroad")
