"""The hub's collection accounts: published, changed and taken out of use by administrators
(the admin) and by the demo world. Buyers are told to send money to what these say, so every
change is checked the same way and audited with the account before and after."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ConflictError

from ..errors import PaymentsErrorCode
from ..models import CollectionAccount


def collection_account_summary(account: CollectionAccount) -> dict:
    """What the audit trail keeps of an account: never its whole number."""
    return {
        "bank": account.bank_id,
        "currency": account.currency,
        "name": account.account_name,
        "bic": account.bic,
        "number_last4": account.account_number[-4:],
        "in_use": account.in_use,
    }


def collection_account_save(
    *, account: CollectionAccount, actor, actor_label: str = ""
) -> CollectionAccount:
    """Publish a collection account, or change one or take it out of use (``in_use``).

    Checked as the admin's form checks it (``CollectionAccount.clean``: a partner bank, a
    currency buyers pay in, a BIC of ISO 9362's shape, an account number), ValidationError
    naming the field otherwise. One account in use per currency is the database's rule:
    a second is refused before saving, and if two saves race, the loser gets ConflictError.
    Saving an account unchanged writes nothing."""
    account.full_clean()
    try:
        with transaction.atomic():
            before = None
            if account.pk is not None:
                locked = CollectionAccount.objects.select_for_update().get(pk=account.pk)
                before = collection_account_summary(locked)
                if before == collection_account_summary(account):
                    return locked
            account.save()
            audit_record(
                actor=actor,
                actor_label=actor_label,
                action="payments.collection_account."
                + ("published" if before is None else "changed"),
                target=account,
                data={"before": before, "after": collection_account_summary(account)},
            )
    except IntegrityError:
        raise ConflictError(
            _("Another %(currency)s account was put into use meanwhile: take it out of use first.")
            % {"currency": account.currency},
            PaymentsErrorCode.COLLECTION_ACCOUNT_IN_USE,
            extra={"field": "in_use"},
        ) from None
    return account
