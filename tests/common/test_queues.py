"""Queues by kind of work and by hub (ewtp/common/queues.py): where each task is sent, which
queues a worker takes, and the declaring hub that routes a declaration's clearance."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from celery.app.amqp import Queues
from django.core.exceptions import ImproperlyConfigured

from customs.models import Declaration
from customs.services.filing import (
    declarations_process_after_commit,
    declarations_process_enqueue,
)
from customs.tasks import declaration_process_task, declarations_process_task
from ewtp.celery import _queues_selected
from ewtp.celery import app as celery_app
from ewtp.common import queues
from ewtp.common.queues import SHARED, task_kind, worker_queues, worker_queues_configured


def queue_of(name: str, kwargs: dict | None = None, **options) -> str:
    """The queue Celery's own router picks for a task about to be sent."""
    return celery_app.amqp.router.route(options, name, (), kwargs or {})["queue"].name


@pytest.fixture(scope="module")
def registered_tasks() -> list[str]:
    celery_app.loader.import_default_modules()  # every app's tasks.py
    # celery's own, and those the tests define for themselves, are not the hub's
    return sorted(name for name in celery_app.tasks if not name.startswith(("celery.", "tests.")))


def test_every_task_of_the_hub_has_a_kind(registered_tasks, settings):
    """A new task lands on its kind's queue or this fails: it is given a kind in
    CELERY_TASK_KINDS (ewtp/settings/celery_routes.py) rather than the bare prefix."""
    assert len(registered_tasks) > 20
    kindless = [name for name in registered_tasks if task_kind(name) not in queues.KINDS]
    assert kindless == []
    assert set(settings.CELERY_TASK_KINDS.values()) == set(queues.KINDS)


def test_every_entry_of_the_table_names_a_task(registered_tasks, settings):
    stale = [
        start
        for start in settings.CELERY_TASK_KINDS
        if not any(name.startswith(start) for name in registered_tasks)
    ]
    assert stale == []


def test_every_beat_entry_sends_a_task_of_a_kind(registered_tasks, settings):
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered_tasks
        assert task_kind(entry["task"]) in queues.KINDS


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("customs.tasks.declaration_process_task", "clearance"),
        ("customs.tasks.lvg_threshold_sweep_task", "clearance"),
        ("ewtp.common.tasks.outbox_dispatch_task", "journey"),
        ("payments.tasks.escrow_release_due_task", "journey"),
        ("logistics.tasks.consolidate_task", "journey"),
        ("hubs.tasks.orders_expire_task", "journey"),
        ("pipeline.tasks.orders_stuck_sweep_task", "journey"),
        ("ewtp.common.tasks.email_send_task", "notifications"),
        ("ewtp.common.tasks.webhooks_sweep_task", "notifications"),
        ("hubs.tasks.product_import_task", "catalogue"),
        ("analytics.tasks.money_rollup_task", "analytics"),
        # the longest entry wins: the nightly scores are not the journey's pipeline
        ("pipeline.tasks.credit_scores_nightly_task", "analytics"),
        ("ewtp.common.tasks.idempotency_keys_expire_task", "housekeeping"),
    ],
)
def test_each_kind_goes_to_its_shared_queue(name, kind):
    assert queue_of(name) == f"celery.{kind}"


def test_the_prefix_is_read_when_the_task_is_sent(isolated_queue):
    assert queue_of("customs.tasks.declaration_process_task") == f"{isolated_queue}.clearance"
    assert queue_of("ewtp.common.tasks.email_send_task") == f"{isolated_queue}.notifications"


def test_a_routed_hubs_work_goes_to_its_own_queue(isolated_queue, settings):
    settings.CELERY_HUBS_ROUTED = ["KUL"]
    name = "customs.tasks.declaration_process_task"
    assert queue_of(name, {"hub": "KUL"}) == f"{isolated_queue}.clearance.KUL"
    # a hub without workers of its own, and work of no hub, share the kind's queue
    assert queue_of(name, {"hub": "HGH"}) == f"{isolated_queue}.clearance"
    assert queue_of(name) == f"{isolated_queue}.clearance"


def test_without_routed_hubs_a_hubs_work_shares_the_kinds_queue(isolated_queue, settings):
    settings.CELERY_HUBS_ROUTED = []
    name = "customs.tasks.declarations_process_task"
    assert queue_of(name, {"hub": "KUL"}) == f"{isolated_queue}.clearance"


def test_a_queue_the_caller_names_wins_and_a_task_of_no_kind_takes_the_prefix(isolated_queue):
    name = "customs.tasks.declaration_process_task"
    assert queue_of(name, queue=f"{isolated_queue}.elsewhere") == f"{isolated_queue}.elsewhere"
    assert queue_of("tests.no_such_task") == isolated_queue


def test_a_worker_takes_the_shared_queues_or_a_hubs_own():
    shared = worker_queues("p")
    assert shared == ["p"] + [f"p.{kind}" for kind in queues.KINDS]
    assert worker_queues("p", hubs=["KUL"]) == [f"p.{kind}.KUL" for kind in queues.KINDS]
    assert worker_queues("p", ["clearance"], [SHARED, "KUL", "HGH"]) == [
        "p",
        "p.clearance",
        "p.clearance.KUL",
        "p.clearance.HGH",
    ]


def test_a_worker_with_no_environment_takes_every_queue_of_its_prefix(settings):
    settings.CELERY_HUBS_ROUTED = ["KUL", "HGH"]
    settings.CELERY_WORKER_KINDS, settings.CELERY_WORKER_HUBS = [], []
    taken = worker_queues_configured("p")
    assert taken == worker_queues("p", hubs=[SHARED, "HGH", "KUL"])
    settings.CELERY_WORKER_KINDS, settings.CELERY_WORKER_HUBS = ["analytics"], ["KUL"]
    assert worker_queues_configured("p") == ["p.analytics.KUL"]


def test_a_worker_naming_what_no_task_is_sent_to_is_refused(settings):
    settings.CELERY_HUBS_ROUTED = ["KUL"]
    settings.CELERY_WORKER_KINDS, settings.CELERY_WORKER_HUBS = ["reports"], []
    with pytest.raises(ImproperlyConfigured, match="CELERY_KINDS names reports"):
        worker_queues_configured("p")
    settings.CELERY_WORKER_KINDS, settings.CELERY_WORKER_HUBS = [], ["HGH"]
    with pytest.raises(ImproperlyConfigured, match="CELERY_HUBS names HGH"):
        worker_queues_configured("p")


def started_worker(options: dict) -> list[str]:
    """The queues a `celery worker` started with ``options`` consumes, once its
    celeryd_init hook (ewtp/celery.py) has run."""
    selected = Queues()
    instance = SimpleNamespace(app=SimpleNamespace(amqp=SimpleNamespace(queues=selected)))
    _queues_selected(
        instance=instance, conf=SimpleNamespace(task_default_queue="p"), options=options
    )
    return sorted(selected.consume_from)


def test_a_worker_started_without_q_takes_its_environments_queues(settings):
    settings.CELERY_HUBS_ROUTED = ["KUL"]
    settings.CELERY_WORKER_KINDS, settings.CELERY_WORKER_HUBS = ["clearance"], ["KUL"]
    assert started_worker({"queues": []}) == ["p.clearance.KUL"]
    assert started_worker({"queues": ["p.journey"]}) == []  # -Q is Celery's to apply


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    """Each clearance task the enqueueing sends, unsent: the queue Celery's router picks for
    it, and its declarations."""
    messages = []
    for task in (declaration_process_task, declarations_process_task):

        def record(args=None, kwargs=None, name=task.name, **options):
            messages.append((queue_of(name, kwargs), args[0]))

        monkeypatch.setattr(task, "apply_async", record)
    return messages


def declaration(hub, n: int) -> Declaration:
    return Declaration.objects.create(
        reference=f"TQ{hub.code}{n:05d}",
        regime="CN_CBEC_IMPORT",
        hub=hub,
        exporter="Batik Nusantara Sdn. Bhd.",
        importer=f"Buyer {n}",
        declarant=f"eWTP Hub {hub.code}",
        currency="CNY",
        customs_currency="CNY",
        exchange_rate=Decimal("1"),
        exchange_rate_source="identity",
        declared_on=date(2026, 3, 2),
    )


def test_declarations_of_one_transaction_are_cleared_as_one_message_per_hub(
    kul, hgh, sent, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_HUBS_ROUTED = ["KUL"]
    at_kul, at_hgh, again_at_kul = declaration(kul, 1), declaration(hgh, 2), declaration(kul, 3)
    with django_capture_on_commit_callbacks(execute=True):
        for submitted in (at_kul, at_hgh, again_at_kul):  # as a flight's departure declares
            declarations_process_after_commit([submitted.pk])
    assert sent == [
        ("celery.clearance.KUL", [at_kul.pk, again_at_kul.pk]),
        ("celery.clearance", [at_hgh.pk]),
    ]


def test_a_batch_is_split_by_declaring_hub(kul, hgh, sent, settings):
    settings.CELERY_HUBS_ROUTED = ["KUL"]
    mixed = [declaration(kul, 1), declaration(hgh, 2), declaration(kul, 3)]
    declarations_process_enqueue([d.pk for d in mixed])
    assert sent == [
        ("celery.clearance.KUL", [mixed[0].pk, mixed[2].pk]),
        ("celery.clearance", [mixed[1].pk]),
    ]
