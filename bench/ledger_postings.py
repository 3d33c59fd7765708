"""Ledger postings per second on PostgreSQL, against a plain insert of the same rows.

Each posting is one balanced transaction of 2 to 4 entries through ``ledger_post`` (the
balances kept on the customer accounts' rows, their locks, the non-negative check, the
deferred balance trigger at commit). The baseline inserts a transaction row and the same
entries directly, in its own transaction, with no checks: the ratio is what the ledger's
safety costs. When django-hordak is installed (``pip install django-hordak``), it posts the
same transactions too, as a peer, at its fastest (one transaction row and one bulk insert of
its legs; its database triggers check that they balance).

The same workload runs at each ``--history``: that many entries already on every customer
account, loaded in bulk and not measured. A posting must cost the same at 100,000 entries
as at 1,000: no check may read an account's history.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledgerbench \\
        .venv/bin/python bench/ledger_postings.py --history 1000 100000
"""

import argparse
import importlib.metadata
import random
import time

from harness import run_benchmark

GOAL_RATIO = 1.2  # ledger_post at most this many times the plain insert's time
CHUNK = 25  # postings each peer makes in its turn


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=400, help="per round (400)")
    parser.add_argument("--accounts", type=int, default=20, help="customer accounts (20)")
    parser.add_argument(
        "--history",
        type=int,
        nargs="+",
        default=[0, 10_000],
        help="entries already on each customer account, one measurement each (0 10000)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds, the best kept (3)")
    return parser.parse_args()


def hordak_installed() -> str | None:
    """django-hordak's version, its apps added to the settings; None when not installed."""
    try:
        version = importlib.metadata.version("django-hordak")
    except importlib.metadata.PackageNotFoundError:
        return None
    from django.conf import settings

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "mptt", "hordak"]
    return version


def run(args, hordak_version):
    customers, bank, fees, shadow = books(args.accounts)
    plans = workload(customers, bank, fees, args.transactions)
    peers = {"baseline": baseline(plans, shadow), "ledger": ledger(plans)}
    labels = {
        "baseline": "plain insert, no checks",
        "ledger": "ledger_post (row balances, checks)",
        "hordak": f"django-hordak {hordak_version} (legs bulk-inserted)",
    }
    if hordak_version:
        peers["hordak"] = hordak_peer(customers, bank, fees, plans)
    print(
        f"ledger_postings  N={len(plans)} transactions "
        f"({sum(len(p) for p in plans)} entries, 2-4 each) on {len(customers)} customer "
        f"accounts, PostgreSQL, best of {args.rounds} rounds, peers alternating every {CHUNK}"
    )
    if not hordak_version:
        print("  django-hordak is not installed: no peer measured (pip install django-hordak)")
    ratios, loaded = {}, 0
    for history in sorted(args.history):
        loaded += history_load([*customers, *shadow.values()], bank, history - loaded)
        best = measure(peers, len(plans), args.rounds)
        print(f"  {history:,} entries already on each customer account")
        for name in peers:
            print(
                f"    {name:9} {labels[name]:42} {len(plans) / best[name]:7.0f} transactions/s"
                f"   {best[name] / best['baseline']:5.2f}x the time"
            )
        ratio = ratios[history] = best["ledger"] / best["baseline"]
        verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
        print(f"    goal: ledger_post at most {GOAL_RATIO:.2f}x the plain insert: {verdict}")
        if "hordak" in best:
            print(f"    ledger_post's rate: {best['hordak'] / best['ledger']:.2f}x django-hordak's")
    if len(ratios) > 1:
        # against the same turn's baseline: the machine's load changes between the levels
        first, last = min(ratios), max(ratios)
        print(
            f"  ledger_post against the plain insert: {ratios[first]:.2f}x at {first:,} entries "
            f"per account, {ratios[last]:.2f}x at {last:,} (goal: no growth with history)"
        )
    print(f"  row balances equal to the sums of their entries: {drift(customers) or 'yes'}")


def books(count: int):
    """The bank, the hub's fees and ``count`` funded customer accounts; and for each customer
    a shadow account the baseline writes to instead (its plain inserts bypass the balances
    kept on rows, which would then no longer match the entries the ledger's checks stand on)."""
    from moneyed import Money

    from payments.services.accounts import bank_clearing_account, customer_account, fees_account
    from payments.services.ledger import Posting, ledger_post
    from tests import factories

    bank = bank_clearing_account(
        bank=factories.api_client(name="Bench bank").client, currency="MYR"
    )
    fees = fees_account(hub=factories.hub("KUL"), currency="MYR")
    customers = [
        customer_account(organization=factories.SellerFactory(), currency="MYR")
        for _ in range(count)
    ]
    for account in customers:  # opening balances so that debits succeed
        ledger_post(
            kind="payment",
            description="opening",
            postings=[
                Posting(bank, Money("-1000000.00", "MYR")),
                Posting(account, Money("1000000.00", "MYR")),
            ],
        )
    shadow = {
        account.pk: customer_account(organization=factories.SellerFactory(), currency="MYR")
        for account in customers
    }
    return customers, bank, fees, shadow


def workload(customers, bank, fees, count: int) -> list:
    from moneyed import Money

    from payments.services.ledger import Posting

    rng = random.Random(7)

    def posting_set():
        a, b = rng.sample(customers, 2)
        amount = Money(f"{rng.randint(100, 99999) / 100:.2f}", "MYR")
        fee = Money(f"{rng.randint(1, 99) / 100:.2f}", "MYR")
        shapes = [
            [Posting(a, -amount), Posting(b, amount)],
            [Posting(a, -(amount + fee)), Posting(b, amount), Posting(fees, fee)],
            [
                Posting(a, -(amount + fee + fee)),
                Posting(b, amount),
                Posting(fees, fee),
                Posting(bank, fee),
            ],
        ]
        return rng.choice(shapes)

    return [posting_set() for _ in range(count)]


def baseline(plans, shadow):
    from django.db import transaction

    from ewtp.common.money import money_to_minor
    from payments.models import Entry, LedgerTransaction

    def post(start, stop):
        for postings in plans[start:stop]:
            with transaction.atomic():
                row = LedgerTransaction.objects.create(kind="adjustment", description="baseline")
                Entry.objects.bulk_create(
                    [
                        Entry(
                            transaction=row,
                            account=shadow.get(p.account.pk, p.account),
                            amount_minor=money_to_minor(p.amount),
                            currency="MYR",
                        )
                        for p in postings
                    ]
                )

    return post


def ledger(plans):
    from payments.services.ledger import ledger_post

    def post(start, stop):
        for postings in plans[start:stop]:
            ledger_post(kind="release", description="bench", postings=postings)

    return post


def measure(peers, count: int, rounds: int) -> dict[str, float]:
    """Each peer's best total time for the ``count`` postings over ``rounds`` rounds. Within
    a round the peers take turns every CHUNK postings, in a rotating order, so that a change
    in a shared machine's load falls on all of them alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings = {name: [0.0] * rounds for name in peers}
    for round_ in range(rounds):
        for turn, start in enumerate(range(0, count, CHUNK)):
            names = list(peers)
            for name in names[turn % len(names) :] + names[: turn % len(names)]:
                started = time.perf_counter()
                peers[name](start, min(start + CHUNK, count))
                timings[name][round_] += time.perf_counter() - started
    return {name: min(samples) for name, samples in timings.items()}


def drift(customers) -> list[str]:
    """The accounts whose row balance differs from the sum of their entries."""
    from django.db.models import Sum

    from ewtp.common.money import money_to_minor
    from payments.models import Entry
    from payments.services.ledger import account_balance

    return [
        account.key
        for account in customers
        if money_to_minor(account_balance(account))
        != Entry.objects.filter(account=account).aggregate(total=Sum("amount_minor"))["total"]
    ]


def history_load(accounts, bank, per_account: int) -> int:
    """Give each account ``per_account`` more entries of 0.01 in, against the bank: one
    transaction each, written in bulk with the balance trigger off (they balance by
    construction: the bank's one entry takes them all), and the rows' balances moved by the
    same amounts. Set-up only: never how money is posted."""
    if per_account <= 0:
        return 0
    from django.db import connection, transaction
    from django.db.models import F
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from payments.models import Account, LedgerTransaction

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE payments_entry DISABLE TRIGGER payments_entry_balanced")
        try:
            with transaction.atomic():
                for account in accounts:
                    row = LedgerTransaction.objects.create(kind="adjustment", description="history")
                    now = timezone.now()
                    cursor.execute(
                        "INSERT INTO payments_entry "
                        "(transaction_id, account_id, amount_minor, currency, created_at) "
                        "SELECT %s, %s, 1, 'MYR', %s FROM generate_series(1, %s) "
                        "UNION ALL SELECT %s, %s, %s, 'MYR', %s",
                        [row.pk, account.pk, now, per_account, row.pk, bank.pk, -per_account, now],
                    )
                    Account.objects.filter(pk=account.pk).update(
                        held_minor=Coalesce(F("held_minor"), 0) + per_account
                    )
        finally:
            cursor.execute("ALTER TABLE payments_entry ENABLE TRIGGER payments_entry_balanced")
    return per_account


def hordak_peer(customers, bank, fees, plans):
    """The same postings in django-hordak: its accounts mirroring ours, the legs as credits
    (our positive amounts) and debits."""
    from django.db import transaction
    from hordak.models import Account as HordakAccount
    from hordak.models import Leg, Transaction

    def account(name, kind):
        return HordakAccount.objects.create(name=name, type=kind, currencies=["MYR"])

    mirror = {a.pk: account(a.key, "LI") for a in customers}
    mirror[bank.pk] = account(bank.key, "AS")
    mirror[fees.pk] = account(fees.key, "IN")
    # (account, credit, debit): hordak's amounts are positive, the side says which way
    legs = [
        [
            (mirror[p.account.pk], p.amount, None)
            if p.amount.amount > 0
            else (mirror[p.account.pk], None, -p.amount)
            for p in postings
        ]
        for postings in plans
    ]

    def post(start, stop):
        for plan in legs[start:stop]:
            with transaction.atomic():
                row = Transaction.objects.create(description="bench")
                Leg.objects.bulk_create(
                    [
                        Leg(transaction=row, account=account, credit=credit, debit=debit)
                        for account, credit, debit in plan
                    ]
                )

    return post


if __name__ == "__main__":
    arguments = options()
    peer = hordak_installed()
    run_benchmark(lambda: run(arguments, peer))
