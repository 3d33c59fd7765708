"""Registering a peer deployment, its keys and ours: officers' actions, each audited."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, NotAllowedError
from ewtp.common.outbound import OutboundRefused, url_split
from hubs.roles import Perm, has_permission

from ..errors import PeeringErrorCode
from ..keys import key_generate, public_key_load
from ..models import Peer, PeerKey, SigningKey


def _check_officer(actor) -> None:
    if actor is not None and not has_permission(actor, Perm.PEERING_MANAGE):
        raise NotAllowedError(
            _("Only the MDEC officers manage the e-road's peers."), PeeringErrorCode.PEER_INVALID
        )


def _label(actor) -> str:
    return actor.email if actor is not None else "system"


def _invalid(message, field, code=PeeringErrorCode.PEER_INVALID) -> ApplicationError:
    return ApplicationError(message, code, extra={"field": field})


def peer_register(*, name: str, deployment: str, base_url: str, eroads=(), actor) -> Peer:
    """A deployment run by another authority, reached at ``base_url`` (https, or plain http
    where WEBHOOK_ALLOW_HTTP says so; an address the outbound guard allows)."""
    _check_officer(actor)
    name, deployment, base_url = name.strip(), deployment.strip().lower(), base_url.strip()
    if not name or not deployment:
        raise _invalid(_("Name the peer and the deployment id it signs as."), "deployment")
    if deployment == _own_deployment():
        raise _invalid(_("That is this deployment's own id."), "deployment")
    try:
        url_split(base_url)
    except OutboundRefused as refused:
        # the outbound guard's reason (scheme, credentials, address), as for a webhook URL
        raise _invalid(refused.message, "base_url") from None
    if Peer.objects.filter(deployment=deployment).exists():
        raise _invalid(_("A peer with this deployment id is registered already."), "deployment")
    with transaction.atomic():
        peer = Peer.objects.create(name=name, deployment=deployment, base_url=base_url.rstrip("/"))
        peer.eroads.set(eroads)
        audit_record(
            actor=actor,
            actor_label=_label(actor),
            action="peering.peer.registered",
            target=peer,
            data={"deployment": deployment, "base_url": peer.base_url},
        )
    return peer


def _own_deployment() -> str:
    from django.conf import settings

    return settings.PEERING_DEPLOYMENT


def peer_key_add(*, peer: Peer, key_id: str, public_key: str, actor) -> PeerKey:
    """A key the peer's officers gave ours (it signs with it from now, or soon): both the
    old and the new key hold until the old one is retired, so a rotation mid-stream loses
    nothing."""
    _check_officer(actor)
    key_id = key_id.strip()
    if not key_id or len(key_id) > 64:
        raise _invalid(_("A key id is 1 to 64 characters."), "key_id", PeeringErrorCode.KEY_INVALID)
    try:
        public_key_load(public_key)
    except ValueError:
        raise _invalid(
            _("This is not an Ed25519 public key (32 bytes, base64url)."),
            "public_key",
            PeeringErrorCode.KEY_INVALID,
        ) from None
    if peer.keys.filter(key_id=key_id).exists():
        raise _invalid(
            _("The peer has a key with this id already."), "key_id", PeeringErrorCode.KEY_INVALID
        )
    with transaction.atomic():
        key = PeerKey.objects.create(peer=peer, key_id=key_id, public_key=public_key.strip())
        audit_record(
            actor=actor,
            actor_label=_label(actor),
            action="peering.peer_key.added",
            target=peer,
            data={"key_id": key_id},
        )
    return key


def peer_key_retire(*, key: PeerKey, actor) -> PeerKey:
    """From now on a message signed with this key is refused (key_unknown)."""
    _check_officer(actor)
    with transaction.atomic():
        updated = PeerKey.objects.filter(pk=key.pk, retired_at__isnull=True).update(
            retired_at=timezone.now()
        )
        if updated:
            audit_record(
                actor=actor,
                actor_label=_label(actor),
                action="peering.peer_key.retired",
                target=key.peer,
                data={"key_id": key.key_id},
            )
    key.refresh_from_db()
    return key


def own_key_rotate(*, actor) -> SigningKey:
    """A new key signs from now on. The previous ones stay published (until retired by the
    next rotation but one), so that the peers can add the new key while messages signed
    with the old one still arrive."""
    _check_officer(actor)
    key_id, pem, public = key_generate()
    with transaction.atomic():
        older = list(SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at"))
        for key in older[1:]:  # the previous key stays in force; the ones before it go
            key.retired_at = timezone.now()
            key.save(update_fields=["retired_at"])
        key = SigningKey.objects.create(key_id=key_id, private_key=pem, public_key=public)
        audit_record(
            actor=actor,
            actor_label=_label(actor),
            action="peering.signing_key.rotated",
            target=key,
            data={"key_id": key_id, "public_key": public},
        )
    return key


def signing_key_current() -> SigningKey:
    """The key that signs now (one is made the first time it is needed)."""
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    return key or own_key_rotate(actor=None)
