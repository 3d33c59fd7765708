"""A notification e-mail is sent once, whatever happens to the task messages."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from ewtp.common.models import OutgoingEmail
from ewtp.common.notifications import email_after_commit, email_send, emails_due

pytestmark = pytest.mark.django_db


def test_a_duplicated_task_message_sends_nothing_more(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_after_commit(to=["a@example.com", "a@example.com", ""], subject="S", body="B")
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert email_send(email_id=email.pk) == 0
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_an_email_of_a_rolled_back_change_is_never_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                email_after_commit(to=["a@example.com"], subject="S", body="B")
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert not OutgoingEmail.objects.exists() and mail.outbox == []


def test_a_failed_send_lets_go_and_the_sweep_sends_it_later(monkeypatch):
    email = email_after_commit(to=["a@example.com"], subject="S", body="B")  # never enqueued

    def refused(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("ewtp.common.notifications.send_mail", refused)
    with pytest.raises(OSError):
        email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.sent_at is None and email.claimed_until is None
    assert "connection refused" in email.last_error
    monkeypatch.undo()
    assert emails_due() == []  # too fresh: its task may still be on its way
    assert emails_due(now=timezone.now() + timedelta(minutes=3)) == [email.pk]
    assert email_send(email_id=email.pk) == 1
    assert emails_due(now=timezone.now() + timedelta(minutes=3)) == []


def test_a_claimed_email_is_left_to_its_sender():
    email = email_after_commit(to=["a@example.com"], subject="S", body="B")
    OutgoingEmail.objects.filter(pk=email.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert email_send(email_id=email.pk) == 0 and mail.outbox == []


def test_a_long_outage_makes_the_sweep_wait_longer_each_time(monkeypatch):
    email = email_after_commit(to=["a@example.com"], subject="S", body="B")
    OutgoingEmail.objects.filter(pk=email.pk).update(attempts=3)  # three failures already

    def refused(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("ewtp.common.notifications.send_mail", refused)
    with pytest.raises(OSError):
        email_send(email_id=email.pk)  # the fourth: wait 2 × 2³ = 16 minutes
    later = timezone.now() + timedelta(minutes=15)
    assert emails_due(now=later) == []
    assert emails_due(now=later + timedelta(minutes=2)) == [email.pk]
