"""Celery entry points of the payments app."""

from celery import shared_task

from .services.escrow import escrow_release_due


@shared_task
def escrow_release_due_task() -> int:
    return escrow_release_due()
