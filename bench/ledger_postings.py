"""Ledger postings per second on PostgreSQL, against a plain insert of the same rows.

Each posting is one balanced transaction of 2 to 4 entries through ``ledger_post`` (account
row locks, the non-negative check, the deferred balance trigger at commit). The baseline
inserts a transaction row and the same entries directly, in its own transaction, with no
checks: the ratio is what the ledger's safety costs.
"""

import random
import time

from harness import run_benchmark

N = 400


def run():
    from django.db import transaction
    from moneyed import Money

    from ewtp.common.money import money_to_minor
    from payments.models import Entry, LedgerTransaction
    from payments.services.accounts import bank_clearing_account, customer_account, fees_account
    from payments.services.ledger import Posting, ledger_post
    from tests import factories

    hub = factories.hub("KUL")
    bank = bank_clearing_account(
        bank=factories.api_client(name="Bench bank").client, currency="MYR"
    )
    fees = fees_account(hub=hub, currency="MYR")
    customers = [
        customer_account(organization=factories.SellerFactory(), currency="MYR") for _ in range(20)
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

    plans = [posting_set() for _ in range(N)]

    def baseline():
        for postings in plans:
            with transaction.atomic():
                row = LedgerTransaction.objects.create(kind="adjustment", description="baseline")
                Entry.objects.bulk_create(
                    [
                        Entry(
                            transaction=row,
                            account=p.account,
                            amount_minor=money_to_minor(p.amount),
                            currency="MYR",
                        )
                        for p in postings
                    ]
                )

    def ledger():
        for postings in plans:
            ledger_post(kind="release", description="bench", postings=postings)

    timings = {}
    for name, fn in (
        ("baseline", baseline),
        ("ledger", ledger),
        ("baseline", baseline),
        ("ledger", ledger),
    ):
        started = time.perf_counter()
        fn()
        timings.setdefault(name, []).append(time.perf_counter() - started)
    base, post = min(timings["baseline"]), min(timings["ledger"])
    entries = sum(len(p) for p in plans)
    print(
        f"ledger_postings  N={N} transactions ({entries} entries, 2-4 each), PostgreSQL, best of 2"
    )
    print(f"  baseline  plain insert, no checks       {N / base:8.0f} transactions/s")
    print(
        f"  ledger    ledger_post (locks, checks)   {N / post:8.0f} transactions/s   ratio {post / base:5.2f}x the time"
    )


if __name__ == "__main__":
    run_benchmark(run)
