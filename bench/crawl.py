"""Every page of every demo user, on PostgreSQL: the median and p95 page time against GET
/healthz measured in the same run, as ratios, and the slowest pages with their query counts.
Target: the median page under 300 ms.

The demo world is seeded by the real command (seed_demo, a few weeks of orders; not
measured). Each demo user then signs in and follows the links from /home/ (tests/crawl.py,
the crawler of the test that reads every page in the users' words), counting each page's
queries; that first pass also compiles the templates and fills the caches. Then each page
is timed warm: the wall time of the test client's GET (middleware, view, queries,
templates; no network), the median of a few. /healthz is timed the same way, many times,
half before the pages and half after.

The settings are the tests' (DEBUG off; their MD5 password hasher only speeds up the
seeding, as force_login checks no password) with the demo's exchange rates, and with
Django's test instrumentation of template rendering switched off while timing, since
production has none.

    python bench/crawl.py [--orders 40] [--days 45]
"""

import argparse
import io
import logging
import statistics
import time
from dataclasses import dataclass

from harness import queries, run_benchmark, timed

REPEAT = 3  # GETs of each page; its time is their median
HEALTHZ = 300  # GETs of /healthz
PAGES_PER_USER = 400  # the crawl of one user stops there (and says so)
TARGET_MS = 300
# The demo's exchange rates (ewtp/settings/local.py): the recorded ECB day, accepted however
# old, since the simulated weeks need a rate on or before each of their days; the tests'
# rates are dated today only.
DEMO_RATES = {
    "FX_RATE_SOURCE": "payments.services.fx_feeds.EcbRecordedFeed",
    "FX_MAX_RATE_AGE_DAYS": 1000,
    "FX_RATES_INDICATIVE": True,
}


@dataclass
class Page:
    user: str
    path: str
    view: str
    queries: int
    seconds: float = 0.0


def run(orders: int, days: int) -> None:
    from django.conf import settings
    from django.test import override_settings

    # a person does not open 30 tracking pages a minute from one address; the crawl does
    throttles = settings.THROTTLE_RATES | {"tracking_address": "100000/min"}
    with override_settings(**DEMO_RATES, THROTTLE_RATES=throttles):
        _seed_and_crawl(orders, days)


def _seed_and_crawl(orders: int, days: int) -> None:
    from django.core.management import call_command

    from demo.world_people import DEMO_DOMAIN
    from hubs.models import User

    started = time.perf_counter()
    call_command("seed_demo", orders=orders, days=days, stdout=io.StringIO())
    # the journey's failure paths and refused pages write to the log; the bench lists the
    # pages that answered 4xx or 5xx itself (seed_demo turned the log back on as it ended)
    logging.disable(logging.CRITICAL)
    users = list(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("pk"))
    print(
        f"crawl  every page of {len(users)} demo users, seed_demo --orders {orders} --days {days}, PostgreSQL"
    )
    print(f"  set-up   {time.perf_counter() - started:6.1f} s   seed_demo, not measured")

    started = time.perf_counter()
    crawled = {user.email: _pages_crawl(user) for user in users}
    print(
        f"  crawl    {time.perf_counter() - started:6.1f} s   links followed, queries counted, caches warmed"
    )

    started = time.perf_counter()
    with _template_rendering_uninstrumented():
        healthz = _healthz_times(HEALTHZ // 2)
        for user in users:
            _pages_time(user, crawled[user.email])
        healthz += _healthz_times(HEALTHZ - HEALTHZ // 2)
    print(
        f"  timing   {time.perf_counter() - started:6.1f} s   {REPEAT} GETs a page, {HEALTHZ} of /healthz"
    )
    _report(crawled, healthz)


def _client(user=None):
    from django.test import Client

    # a page that fails is listed with its status, not raised
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _pages_crawl(user) -> list[Page]:
    """The pages ``user`` reaches from /home/ (2xx HTML), each with its view and query count."""
    from django.urls import resolve

    from tests.crawl import links_follow

    client = _client(user)
    counts: dict[str, int] = {}

    def get(path):
        with queries() as captured:
            response = client.get(path)
        counts[path] = len(captured)
        return response

    pages, refused = [], []
    for visit in links_follow(get, limit=PAGES_PER_USER):
        status = visit.response.status_code
        if status >= 400:
            refused.append(f"{visit.path} {status}")
        elif status < 300 and visit.text:
            view = resolve(visit.path.split("?")[0]).view_name
            pages.append(Page(user.email, visit.path, view, counts[visit.path]))
    if len(counts) >= PAGES_PER_USER:
        print(f"  {user.email}: crawl stopped at {PAGES_PER_USER} paths")
    if refused:
        print(f"  {user.email} answered 4xx/5xx: {', '.join(refused)}")
    return pages


def _pages_time(user, pages: list[Page]) -> None:
    client = _client(user)
    for page in pages:
        page.seconds = timed(lambda path=page.path: client.get(path), repeat=REPEAT)


def _healthz_times(count: int) -> list[float]:
    client, samples = _client(), []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get("/healthz")
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"/healthz answered {response.status_code}: {response.content!r}")
    return samples


class _template_rendering_uninstrumented:
    """setup_test_environment makes every template render send a signal, which the test
    client answers by copying the context (for response.context): work production does not
    do, about a millisecond a page here."""

    def __enter__(self):
        from django.template import Template
        from django.test.utils import _TestState

        self.instrumented = Template._render
        Template._render = _TestState.saved_data.template_render

    def __exit__(self, *exc):
        from django.template import Template

        Template._render = self.instrumented


def _p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return max(samples, default=0.0)
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def _report(crawled: dict[str, list[Page]], healthz: list[float]) -> None:
    ms = 1000
    print(f"\n  {'user':38} {'pages':>5} {'median ms':>10} {'p95 ms':>7} {'queries p50':>12}")
    for email, user_pages in crawled.items():
        times = [page.seconds for page in user_pages] or [0.0]
        counts = [page.queries for page in user_pages] or [0]
        print(
            f"  {email:38} {len(user_pages):5} {statistics.median(times) * ms:10.1f} "
            f"{_p95(times) * ms:7.1f} {statistics.median(counts):12.0f}"
        )
    pages = [page for user_pages in crawled.values() for page in user_pages]
    times = [page.seconds for page in pages]
    base, median, p95 = statistics.median(healthz), statistics.median(times), _p95(times)
    counts = [page.queries for page in pages]
    print(
        f"\n  /healthz  median {base * ms:6.2f} ms   p95 {_p95(healthz) * ms:6.2f} ms   {HEALTHZ} GETs"
    )
    print(
        f"  pages     median {median * ms:6.1f} ms   p95 {p95 * ms:6.1f} ms   {len(pages)} pages of "
        f"{len({page.view for page in pages})} views, queries a page: median "
        f"{statistics.median(counts):.0f}, max {max(counts)}"
    )
    print(
        f"  ratio     median page / healthz {median / base:5.1f}x   p95 page / healthz {p95 / base:5.1f}x"
    )
    print(f"\n  slowest pages  {'ms':>6} {'queries':>8}   user, path (view)")
    for page in sorted(pages, key=lambda p: p.seconds, reverse=True)[:10]:
        print(
            f"  {page.seconds * ms:21.1f} {page.queries:8}   {page.user.split('@')[0]}@ {page.path} ({page.view})"
        )
    print(
        f"\n  target: median page under {TARGET_MS} ms ({'met' if median * ms < TARGET_MS else 'NOT met'})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=40, help="orders seed_demo simulates (40)")
    parser.add_argument("--days", type=int, default=45, help="days they are spread over (45)")
    arguments = parser.parse_args()
    run_benchmark(lambda: run(arguments.orders, arguments.days))
