"""Sign-ins and sign-outs go to the audit trail (signals: losing one is not a money matter)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from ewtp.common.audit import audit_record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="hubs.user.logged_in", target=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="hubs.user.logged_out", target=user)
