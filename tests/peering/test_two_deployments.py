"""Two hub deployments joined by one e-road, as two authorities run them: Kuala Lumpur (the
origin, this test's database) and Hangzhou (the destination, a database of its own), each with
its own web process, worker, settings and signing keys, sharing only Redis (each under its
own queue prefix). Nothing passes between them but signed messages on loopback.

Two consumers' orders are placed on the origin's channel API and paid through its bank API;
the origin's worker clears the exports, and the flight's departure sends each order's
manifest to Hangzhou, whose customs file the imports from it before the goods land and whose
officers release them; Hangzhou's operators scan the goods in and deliver them, and the
origin releases escrow on that delivery record and pays the seller out. On the way: the
destination is down when the flight departs (the manifests wait and drain in order), the
destination rotates its key mid-stream (its messages wait until the origin's officers add
the new key), the origin is down while the destination scans (its messages are then
delivered newest first, and one of them twice). Both orders settle as they would in one
deployment, every message processed once. A tampered, replayed or unsigned request is
refused and logged on the receiving side, with no effect.

The test plays the people and the clock: the channel and the bank over HTTP, the origin's
seller and operators through the services (as tests/journey.py), the destination's officers
and operators through its portal."""

import json
import os
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone

from customs.models import Declaration, RiskRule
from ewtp.common.models import OutboxEvent
from ewtp.common.outbox import outbox_dispatch_many
from hubs.models import ERoad, Order, User
from payments.models import Payout
from payments.services.escrow import escrow_release
from payments.services.fx import fx_rates_load
from payments.services.payouts import payout_status_report, payouts_batch
from peering.keys import private_key_load
from peering.models import Consignment, InboundMessage, InboundRefusal, OutboundMessage, Peer
from peering.protocol import PATH, Envelope, signed_headers
from peering.services.outbound import outbound_drain
from peering.services.peers import peer_key_add, peer_register, signing_key_current
from tests import factories, ledger
from tests.journey import ORDER_STATUSES, Journey, worker_settles, world_build
from tests.peering.deployments import HGH, destination_database, portal_post
from tests.processes import (
    Credentials,
    answers,
    consumer_order_placed,
    database_url_of_this_test,
    environment_of_a_process,
    free_port,
    hashed_as_production,
    output_of,
    payment_reported,
    signed_in,
    started,
    wait_for,
    web_command,
    worker_command,
)

REDIS_URL = os.environ.get("REDIS_URL", "")
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
ORIGIN, DESTINATION = "kul.eroad.test", "hgh.eroad.test"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI runs it on Redis)"),
    pytest.mark.skipif(not POSTGRES, reason="needs DATABASE_URL on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_deployments_carry_orders_to_settled(  # noqa: C901 - one journey, in order
    tmp_path, settings, hs_nomenclature, isolated_queue
):
    until = time.monotonic() + 300
    settings.PEERING_DEPLOYMENT = ORIGIN
    settings.EWTP_HUBS_HERE = frozenset({"KUL"})
    settings.PEERING_RETRY_MAX = timedelta(seconds=1)
    world = world_build()
    mdec = [factories.UserFactory(official_role=User.OfficialRole.MDEC_OFFICER) for _ in "ab"]
    User.objects.filter(pk__in=[world.hgh_customs.pk, world.hgh_operator.pk, mdec[1].pk]).update(
        password=hashed_as_production(factories.TEST_PASSWORD)
    )
    channel, bank = Credentials(world.channel), Credentials(world.bank)
    fx_rates_load()  # the day's rates, and the customs rates of the day made from them
    outbox_dispatch_many(
        event_ids=list(
            OutboxEvent.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True)
        )
    )
    eroad = ERoad.objects.get(origin=world.kul, destination=world.hgh)

    with destination_database(tmp_path) as hgh_database, ExitStack() as stack:
        # Hangzhou's customs select every retail import for an officer (a document check)
        RiskRule.objects.using(HGH).filter(code="random").update(
            enabled=True, weight=45, parameters={"rate": 1.0}
        )
        ports = {"kul": free_port(), "hgh": free_port()}
        base = {side: f"http://127.0.0.1:{port}" for side, port in ports.items()}
        common = {
            "DJANGO_SETTINGS_MODULE": "ewtp.settings.local",
            "DJANGO_DEBUG": "false",
            "REDIS_URL": REDIS_URL,
            "PEERING_RETRY_MAX_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        env = {
            "kul": environment_of_a_process(
                **common,
                DATABASE_URL=database_url_of_this_test(),
                CELERY_QUEUE=isolated_queue,
                PEERING_DEPLOYMENT=ORIGIN,
                EWTP_HUBS_HERE="KUL",
                DJANGO_SECRET_KEY=django_settings.SECRET_KEY,  # its keys are sealed with it
            ),
            "hgh": environment_of_a_process(
                **common,
                DATABASE_URL=urlsplit(database_url_of_this_test())
                ._replace(path=f"/{hgh_database}")
                .geturl(),
                CELERY_QUEUE=f"{isolated_queue}-hgh",
                PEERING_DEPLOYMENT=DESTINATION,
                EWTP_HUBS_HERE="HGH",
                DJANGO_SECRET_KEY=f"hangzhou-{uuid.uuid4().hex}-{uuid.uuid4().hex}",
            ),
        }
        workdirs = {
            name: tmp_path / name for name in ("kul-web", "kul-worker", "hgh-web", "hgh-worker")
        }
        processes = {}

        def start(name: str):  # "kul-web", "hgh-worker", …
            side, kind = name.split("-")
            command = web_command(ports[side]) if kind == "web" else worker_command(name)
            processes[name] = stack.enter_context(
                started(command, cwd=workdirs[name], env=env[side])
            )
            if kind == "web":
                wait_for(lambda: answers(f"{base[side]}/livez"), until=until, what=name)

        def stop(name: str):
            processes[name].terminate()
            processes[name].wait(timeout=30)

        try:
            for name in workdirs:
                start(name)
            journey = Journey(world, worker_settles)

            # the officers of each side register the other: Hangzhou's in its portal
            hgh_mdec = signed_in(base["hgh"], mdec[1])
            portal_post(hgh_mdec, f"{base['hgh']}/eroad/", {"action": "rotate"})
            portal_post(
                hgh_mdec,
                f"{base['hgh']}/eroad/",
                {
                    "action": "register",
                    "name": "Kuala Lumpur hub",
                    "deployment": ORIGIN,
                    "base_url": base["kul"],
                    "eroads": str(eroad.pk),
                },
            )
            ours = signing_key_current()
            kul_in_hgh = Peer.objects.using(HGH).get(deployment=ORIGIN)
            portal_post(
                hgh_mdec,
                f"{base['hgh']}/eroad/",
                {
                    "action": "key_add",
                    "peer": str(kul_in_hgh.public_id),
                    "key_id": ours.key_id,
                    "public_key": ours.public_key,
                },
            )
            hgh_peer = peer_register(
                name="Hangzhou hub",
                deployment=DESTINATION,
                base_url=base["hgh"],
                eroads=[eroad],
                actor=mdec[0],
            )

            def hgh_keys() -> list[dict]:
                return requests.get(f"{base['hgh']}/api/v1/eroad/keys", timeout=10).json()["keys"]

            first_key = hgh_keys()[0]
            peer_key_add(
                peer=hgh_peer,
                key_id=first_key["key_id"],
                public_key=first_key["public_key"],
                actor=mdec[0],
            )

            # two consumers' orders on the origin's channel API, paid through its bank API
            orders = []
            for n in (1, 2):
                # the second duty paid: its taxes are paid from escrow on the destination's
                # release
                reference = consumer_order_placed(
                    base["kul"], channel, world, n=n, incoterm="DAP" if n == 1 else "DDP"
                )
                order = Order.objects.get(reference=reference)
                wait_for(
                    lambda o=order: Order.objects.get(pk=o.pk).status == "awaiting_payment",
                    until=until,
                    what="the payment request",
                )
                payment_reported(base["kul"], bank, Order.objects.get(pk=order.pk), n=n)
                orders.append(order)
            for order in orders:
                wait_for(
                    lambda o=order: Order.objects.get(pk=o.pk).status == "in_customs",
                    until=until,
                    what="the export clearance",
                )
                journey.receive(journey.pack(Order.objects.get(pk=order.pk)))
            assert journey.consolidate() == 2

            # the destination is down when the flight departs: the manifests wait
            stop("hgh-web")
            journey.depart()
            assert {o.status for o in Order.objects.filter(pk__in=[o.pk for o in orders])} == {
                "shipped"
            }
            waiting = OutboundMessage.objects.filter(peer=hgh_peer).order_by("id")
            wait_for(
                lambda: waiting.filter(attempts__gte=1).exists(),
                until=until,
                what="a delivery attempt",
            )
            assert [m.type for m in waiting] == ["consignment.manifested"] * 2
            assert {m.status for m in waiting} == {"pending"}
            assert "no answer" in waiting[0].last_error
            assert not Declaration.objects.filter(regime="CN_CBEC_IMPORT").exists()
            start("hgh-web")

            def drained() -> bool:  # what the beat does every 30 s, done now
                outbound_drain(peer_id=hgh_peer.pk)
                return not waiting.filter(status="pending").exists()

            wait_for(drained, until=until, what="the manifests to drain", every=0.5)

            # Hangzhou's customs filed both imports before arrival; its officer releases them
            consignments = list(Consignment.objects.using(HGH).order_by("order_reference"))
            assert [c.order_reference for c in consignments] == sorted(o.reference for o in orders)
            officer = signed_in(base["hgh"], world.hgh_customs)
            for consignment in consignments:
                declaration = wait_for(
                    lambda c=consignment: (
                        Declaration.objects.using(HGH)
                        .filter(pk=c.declaration_id, status="lane")
                        .first()
                    ),
                    until=until,
                    what="the import's document check",
                )
                assert declaration.order_id is None and declaration.match_differences == []
                assert declaration.arrival_expected_at is not None
                portal_post(
                    officer,
                    f"{base['hgh']}/customs/declarations/{declaration.reference}/",
                    {"action": "decide", "decision": "release", "reason": "Documents agree."},
                )
                wait_for(
                    lambda d=declaration: (
                        Declaration.objects.using(HGH).get(pk=d.pk).status == "accepted"
                    ),
                    until=until,
                    what="the acceptance before arrival",
                )
            journey.land()

            # Hangzhou rotates its key mid-stream: its next messages wait for the origin
            portal_post(hgh_mdec, f"{base['hgh']}/eroad/", {"action": "rotate"})
            operator = signed_in(base["hgh"], world.hgh_operator)

            def scan(consignment, status):
                portal_post(
                    operator,
                    f"{base['hgh']}/eroad/incoming/",
                    {"consignment": str(consignment.pk), "status": status},
                )

            def hgh_waiting() -> int:
                return OutboundMessage.objects.using(HGH).filter(status="pending").count()

            for consignment in consignments:
                scan(consignment, "arrived")
            wait_for(hgh_waiting, until=until, what="a message refused as key_unknown")
            assert "key_unknown" in (
                OutboundMessage.objects.using(HGH).filter(status="pending").first().last_error
            )
            new_key = next(k for k in hgh_keys() if k["key_id"] != first_key["key_id"])
            peer_key_add(
                peer=hgh_peer,
                key_id=new_key["key_id"],
                public_key=new_key["public_key"],
                actor=mdec[0],
            )
            time.sleep(1.1)
            scan(consignments[0], "out_for_delivery")  # its send drains what waited, in order
            wait_for(lambda: not hgh_waiting(), until=until, what="the rotated key's messages")

            # the origin is down while Hangzhou delivers, and so is Hangzhou's worker: its
            # messages wait, and the relay below plays the network, which delivers them
            # newest first, and one of them twice
            stop("hgh-worker")
            stop("kul-web")
            scan(consignments[0], "delivered")
            scan(consignments[1], "out_for_delivery")
            scan(consignments[1], "delivered")
            assert hgh_waiting() == 3
            start("kul-web")
            relayed = subprocess.run(
                [
                    sys.executable,
                    str(django_settings.BASE_DIR / "manage.py"),
                    "shell",
                    "-c",
                    "from tests.peering.relay import reversed_then_again; reversed_then_again()",
                ],
                env=env["hgh"],
                cwd=workdirs["hgh-web"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert relayed.returncode == 0, relayed.stderr[-3000:]
            relay = json.loads(relayed.stdout.strip().splitlines()[-1])
            assert relay["pending"] == 3, relay
            assert {outcome for *_, outcome in relay["reversed"]} == {"delivered"}, relay
            assert relay["again"] == "delivered", relay  # answered as a duplicate
            start("hgh-worker")
            for order in orders:
                wait_for(
                    lambda o=order: Order.objects.get(pk=o.pk).status == "delivered",
                    until=until,
                    what="the delivery record",
                )
            journey.run(lambda: None)  # every event of the deliveries handled

            # the buyers confirm; the seller is paid out
            for order in orders:
                journey.run(
                    escrow_release,
                    order=Order.objects.get(pk=order.pk),
                    actor_label="buyer",
                    reason="Got it",
                )
            payouts_batch(bank=world.bank)
            for payout in Payout.objects.filter(settlement__order__in=orders):
                journey.run(
                    payout_status_report,
                    bank=world.bank,
                    end_to_end_id=payout.end_to_end_id,
                    status="settled",
                )

            # a tampered, a replayed and an unsigned request: refused and logged, no effect
            key = signing_key_current()
            envelope = Envelope(
                id=uuid.uuid4(),
                type="eroad.ping",
                sender=ORIGIN,
                recipient=DESTINATION,
                stream="probe",
                sequence=1,
                sent_at=timezone.now(),
                payload={"note": "probe"},
            )
            body = envelope.body()
            url = base["hgh"] + PATH
            headers = signed_headers(
                url, body, key_id=key.key_id, private_key=private_key_load(key.private_key)
            )
            before = InboundMessage.objects.using(HGH).count()
            answers_to = [
                requests.post(url, data=body.replace(b"probe", b"prob3"), headers=headers),
                requests.post(url, data=body, headers={"Content-Type": "application/json"}),
                requests.post(url, data=body, headers=headers),  # the genuine request
                requests.post(url, data=body, headers=headers),  # the same signature again
            ]
        except AssertionError:
            for name, workdir in workdirs.items():
                print(f"--- {name}\n{output_of(workdir)}")
            raise

        codes = [answer.json().get("code") for answer in answers_to]
        assert [a.status_code for a in answers_to] == [401, 401, 202, 409], codes
        refusals = [codes[0], codes[1], codes[3]]
        assert refusals == ["signature_invalid", "signature_missing", "replayed"]
        assert InboundMessage.objects.using(HGH).count() == before + 1  # the genuine one
        refused = set(InboundRefusal.objects.using(HGH).values_list("code", flat=True))
        assert {"signature_invalid", "signature_missing", "replayed"} <= refused

        # both orders settled as in one deployment; every message delivered and processed once
        for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
            assert [t.to_status for t in order.transitions.all()] == [*ORDER_STATUSES, "settled"]
        assert ledger.ledger_balanced() and ledger.no_customer_account_negative()
        for ours, theirs in (
            (OutboundMessage.objects, InboundMessage.objects.using(HGH)),
            (OutboundMessage.objects.using(HGH), InboundMessage.objects),
        ):
            sent = set(ours.values_list("message_id", "status"))
            assert {status for _, status in sent} == {"delivered"}
            processed = set(theirs.exclude(stream="probe").values_list("message_id", "status"))
            assert processed == {(message_id, "processed") for message_id, _ in sent}
        told = InboundMessage.objects.filter(stream=f"order:{orders[0].reference}")
        assert list(told.order_by("sequence").values_list("type", "payload__status")) == [
            ("declaration.decided", "accepted"),
            ("consignment.scanned", "arrived"),
            ("declaration.decided", "released"),
            ("consignment.scanned", "out_for_delivery"),
            ("consignment.scanned", "delivered"),
        ]
        # the second consignment's last two scans came newest first: the later one held,
        # then both processed in order
        late = InboundMessage.objects.filter(stream=f"order:{consignments[1].order_reference}")
        received = list(late.order_by("received_at").values_list("sequence", flat=True))
        assert received[-2:] == sorted(received[-2:], reverse=True), (received, relay)
        # the duty paid order's import taxes, as Hangzhou's customs assessed them, paid from
        # escrow
        ddp = InboundMessage.objects.filter(stream=f"order:{orders[1].reference}")
        intent = Order.objects.get(pk=orders[1].pk).payment_intent
        released = ddp.get(type="declaration.decided", payload__status="released").payload
        assert intent.duties_settled_at is not None and Decimal(released["total_tax"]) > 0
        assert Consignment.objects.using(HGH).filter(status="delivered").count() == 2
        assert set(Declaration.objects.using(HGH).values_list("regime", "status")) == {
            ("CN_CBEC_IMPORT", "released")
        }
