"""Time from "apply" to decision for a standard credit case, on PostgreSQL: an SME owner
posts the application form in the portal (form, validation, offer from the stored score,
the application and its automatic decision, the audit row, the bank's webhook) and is
redirected with the decision. Printed: median and p95 of N applications (default 200), the
decision time each application records, and a baseline measured in the same run, the same
client signed in fetching a page that reads one row, as a ratio. Target: at most 1 s.
"""

import argparse
import statistics
import time

from harness import run_benchmark


def run(count: int) -> None:
    import logging

    from django.test import Client

    from payments.models import CreditApplication
    from payments.services.credit import credit_score_record
    from tests import factories
    from tests.payments.test_loans import GOOD

    logging.disable(logging.INFO)
    factories.open_eroads()
    lender = factories.api_client(kind="bank", name="Lender", scopes=["credit:write"]).client
    owners = []
    for _ in range(count):
        organization = factories.SellerFactory()
        owner = factories.member(organization)
        credit_score_record(organization=organization, record=GOOD, trigger="bench")
        owners.append(owner)
    applying, baseline = [], []
    for owner in owners:
        client = Client()
        client.force_login(owner)
        started = time.perf_counter()
        client.get("/healthz")
        baseline.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        response = client.post(
            "/credit/",
            {
                "action": "apply",
                "amount": "20000",
                "tenor_months": "6",
                "bank": lender.pk,
                "consent": "on",
            },
        )
        applying.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    decided = CreditApplication.objects.filter(status="approved", decided_by="automatic")
    recorded = list(decided.values_list("decision_ms", flat=True))
    assert len(recorded) == count

    def p95(samples):
        return statistics.quantiles(samples, n=20)[-1]

    print(f"{count} standard applications through the portal, PostgreSQL")
    print(
        f"  apply → decision (HTTP POST):   median {statistics.median(applying):6.1f} ms, "
        f"p95 {p95(applying):6.1f} ms"
    )
    print(
        f"  decision as each records it:    median {statistics.median(recorded):6.1f} ms, "
        f"p95 {p95(recorded):6.1f} ms"
    )
    print(f"  baseline (GET /healthz):        median {statistics.median(baseline):6.1f} ms")
    print(
        f"  ratio (apply / baseline):       {statistics.median(applying) / statistics.median(baseline):.1f}x"
    )
    print(f"  target ≤ 1000 ms: {'met' if p95(applying) <= 1000 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=200)
    arguments = parser.parse_args()
    run_benchmark(lambda: run(arguments.applications))
