"""The ECB's daily reference-rate feed: read safely, fetched over https within bounds, each
document kept as it came, the rates stored once, the officers told when it fails, and the
rates back when it answers again."""

import contextlib
import csv
import hashlib
import http.client
import http.server
import socket
import ssl
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from moneyed import Money

from customs.models import CustomsExchangeRate
from ewtp.celery import app
from ewtp.common.models import OutboxEvent
from ewtp.common.rate_age import RateStale
from payments.errors import PaymentsErrorCode as Code
from payments.models import FxFeedFetch, FxRate
from payments.services.fx import BUNDLED_ECB_FILE, BundledEcbSource, fx_quote, fx_rates_store
from payments.services.fx_feeds import (
    EcbDailyFeed,
    FxFeedRefused,
    FxFeedUnavailable,
    ecb_feed_parse,
    fx_feed_fetch,
)
from payments.tasks import fx_rates_refresh_task

RECORDED_SOURCE = "payments.services.fx_feeds.EcbRecordedFeed"
LIVE_SOURCE = "payments.services.fx_feeds.EcbDailyFeed"
ENVELOPE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
    b'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
    b"<gesmes:subject>Reference rates</gesmes:subject><Cube>%s</Cube></gesmes:Envelope>"
)


def feed(*days: tuple[str, list[tuple[str, str]]]) -> bytes:
    cubes = b"".join(
        f"<Cube time='{day}'>".encode()
        + b"".join(f"<Cube currency='{c}' rate='{r}'/>".encode() for c, r in rates)
        + b"</Cube>"
        for day, rates in days
    )
    return ENVELOPE % cubes


def recorded_bytes(settings) -> bytes:
    return settings.FX_FEED_FILE.read_bytes()


# --- reading a document ------------------------------------------------------------------


def test_the_recorded_feed_carries_the_ecbs_values_of_its_day(settings):
    rows = ecb_feed_parse(recorded_bytes(settings))
    assert {row.as_of for row in rows} == {date(2026, 4, 13)}
    rates = {row.quote: row.rate for row in rows}
    assert len(rates) == 29 and "EUR" not in rates
    # the same text as the ECB's history of that day, shipped in payments/data
    with open(BUNDLED_ECB_FILE, newline="", encoding="utf-8") as handle:
        newest = next(csv.DictReader(handle))
    assert newest.pop("Date") == "2026-04-13"
    assert {currency: Decimal(value) for currency, value in newest.items()} == {
        currency: rates[currency] for currency in newest
    }


# each entity ten of the one before: &lol9; would be a billion "lol"s
LAUGHS = b"".join(
    b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"lol") * 10)
    for n in range(1, 10)
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz ['
    + LAUGHS
    + b"]>"
    + feed(("2026-04-13", [("USD", "&lol9;")]))[22:]
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + feed(("2026-04-13", [("USD", "&x;")]))[22:]
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE e SYSTEM "http://127.0.0.1:9/eurofxref.dtd">'
    + feed(("2026-04-13", [("USD", "1.1684")]))[22:]
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (BILLION_LAUGHS, Code.FX_FEED_XML_FORBIDDEN),
        (EXTERNAL_ENTITY, Code.FX_FEED_XML_FORBIDDEN),
        (EXTERNAL_DTD, Code.FX_FEED_XML_FORBIDDEN),
        (b"<html><body>Service unavailable", Code.FX_FEED_NOT_XML),
        (b"\xff\xfe not xml", Code.FX_FEED_NOT_XML),
        (b"<Envelope/>", Code.FX_FEED_CONTENT),  # not the gesmes envelope
        (ENVELOPE % b"", Code.FX_FEED_CONTENT),  # no day
        (feed(("2026-04-13", [])), Code.FX_FEED_CONTENT),
        (feed(("13/04/2026", [("USD", "1.1684")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("USD", "1.1684"), ("USD", "1.2")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("usd", "1.1684")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("EUR", "1")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("USD", "-1.1")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("USD", "0")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("USD", "NaN")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("USD", "1e3")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("USD", "1.123456789")])), Code.FX_FEED_CONTENT),
        (feed(("2026-04-13", [("USD", "")])), Code.FX_FEED_CONTENT),
        (feed(*[("2026-04-13", [("USD", "1")])] * 101), Code.FX_FEED_CONTENT),
        (feed(("2099-01-02", [("USD", "1.1684")])), Code.FX_FEED_CONTENT),  # a day to come
    ],
)
def test_a_hostile_or_malformed_document_is_refused_whole(raw, code):
    with pytest.raises(Exception) as refused:
        ecb_feed_parse(raw)
    assert getattr(refused.value, "code", None) == code, refused.value


def test_a_document_over_the_size_limit_is_refused_unread(settings):
    settings.FX_FEED_MAX_BYTES = 1000
    with pytest.raises(Exception) as refused:
        ecb_feed_parse(recorded_bytes(settings))
    assert refused.value.code == Code.FX_FEED_TOO_LARGE


# --- the live feed's download, against a server on loopback -------------------------------


class LoopbackFeed(EcbDailyFeed):
    """The live source with TLS taken out, so that a loopback server can answer it."""

    def _connection(self, host, port, timeout):
        assert host == "127.0.0.1"
        return http.client.HTTPConnection(host, port, timeout=timeout)


@pytest.fixture
def feed_server(settings):
    """A server on 127.0.0.1 answering what ``answer(handler)`` writes; FX_FEED_URL names it."""
    served = {"answer": None, "paths": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            served["paths"].append(self.path)
            # the client stopping its reading is what a test wanted
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                served["answer"](self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads, server.block_on_close = True, False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.FX_FEED_URL = (
        f"https://127.0.0.1:{server.server_port}/stats/eurofxref/eurofxref-daily.xml"
    )
    yield served
    server.shutdown()
    server.server_close()


def ok(body: bytes):
    def answer(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def test_the_live_source_gets_the_document_with_one_get(feed_server, settings):
    feed_server["answer"] = ok(recorded_bytes(settings))
    assert LoopbackFeed().download() == recorded_bytes(settings)
    assert feed_server["paths"] == ["/stats/eurofxref/eurofxref-daily.xml"]


def test_an_answer_other_than_200_is_unavailable(feed_server):
    def unavailable(handler):
        handler.send_response(503)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    feed_server["answer"] = unavailable
    with pytest.raises(FxFeedUnavailable, match="HTTP 503"):
        LoopbackFeed().download()


def test_an_endless_answer_is_cut_at_the_size_limit(feed_server, settings):
    settings.FX_FEED_MAX_BYTES = 4096

    def endless(handler):
        handler.send_response(200)
        handler.end_headers()
        for _ in range(1000):  # 8 MB, if anyone read it
            handler.wfile.write(b"<!--" + b"x" * 8184 + b"-->")

    feed_server["answer"] = endless
    raw = LoopbackFeed().download()
    assert len(raw) == 4097  # one byte over: the parser refuses it as too large
    with pytest.raises(Exception) as refused:
        ecb_feed_parse(raw)
    assert refused.value.code == Code.FX_FEED_TOO_LARGE


def test_an_answer_dripping_a_byte_at_a_time_meets_the_deadline(feed_server, settings):
    settings.FX_FEED_TIMEOUT_SECONDS = 0.3  # each read; the whole answer gets twice that

    def drip(handler):
        handler.send_response(200)
        handler.end_headers()
        for byte in recorded_bytes(settings)[:20]:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.1)

    feed_server["answer"] = drip
    started = time.monotonic()
    with pytest.raises(FxFeedUnavailable, match="too slowly"):
        LoopbackFeed().download()
    assert time.monotonic() - started < 2


def test_the_live_source_speaks_verified_tls_and_only_https(settings):
    connection = EcbDailyFeed()._connection("www.ecb.europa.eu", 443, 10)  # not connected
    assert isinstance(connection, http.client.HTTPSConnection)
    assert connection._context.verify_mode == ssl.CERT_REQUIRED
    assert connection._context.check_hostname
    settings.FX_FEED_URL = "http://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
    with pytest.raises(FxFeedUnavailable, match="https"):
        EcbDailyFeed().download()


# --- the beat task: fetch, keep, store; fail, tell --------------------------------------


@pytest.fixture
def recorded_feed(settings):
    settings.FX_RATE_SOURCE = RECORDED_SOURCE


@pytest.fixture
def as_on_a_worker():
    """Eager tasks that fail as they do on a worker: the retries run (in line, at once) and
    then the task's failure handler, instead of the first error propagating to the test."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


def feed_url_nobody_answers() -> str:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = unused.getsockname()[1]
    return f"https://127.0.0.1:{port}/stats/eurofxref/eurofxref-daily.xml"


@pytest.fixture
def feed_down(settings, monkeypatch, as_on_a_worker):
    """The live source, at a loopback port nobody listens on; its attempts are counted."""
    settings.FX_RATE_SOURCE = LIVE_SOURCE
    settings.FX_FEED_URL = feed_url_nobody_answers()
    attempts = []
    download = EcbDailyFeed.download
    monkeypatch.setattr(EcbDailyFeed, "download", lambda self: attempts.append(1) or download(self))
    return attempts


@pytest.mark.django_db
@time_machine.travel("2026-04-14 15:30Z", tick=False)
def test_the_task_keeps_the_document_and_stores_its_rates_once(
    recorded_feed, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fx_rates_refresh_task.delay()
    fetch = FxFeedFetch.objects.get()
    raw = recorded_bytes(settings)
    assert (fetch.status, fetch.source, fetch.rate_day, fetch.rates_new) == (
        "stored",
        "ECB",
        date(2026, 4, 13),
        29,
    )
    assert bytes(fetch.raw) == raw and fetch.sha256 == hashlib.sha256(raw).hexdigest()
    assert fetch.location == str(settings.FX_FEED_FILE)
    assert FxRate.objects.get(quote="MYR").rate == Decimal("4.6444")
    # the pipeline derived customs' rates of the day from them
    assert CustomsExchangeRate.objects.filter(country="CN", valid_from="2026-04-13").exists()

    counts = (
        FxFeedFetch.objects.count(),
        FxRate.objects.count(),
        OutboxEvent.objects.count(),
        CustomsExchangeRate.objects.count(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        fx_rates_refresh_task.delay()  # a later run of the day, or a duplicated message
    assert counts == (
        FxFeedFetch.objects.count(),
        FxRate.objects.count(),
        OutboxEvent.objects.count(),
        CustomsExchangeRate.objects.count(),
    )
    assert not mail.outbox  # fresh rates: nobody is told anything


@pytest.mark.django_db
@time_machine.travel("2026-12-07 16:00Z", tick=False)  # a Monday
def test_a_run_that_finds_the_days_rates_stored_fetches_nothing(settings):
    from payments.services.fx import fx_rates_load

    fx_rates_load()  # the tests' rates, dated today
    assert fx_feed_fetch() is None
    assert not FxFeedFetch.objects.exists()


@pytest.mark.django_db
@time_machine.travel("2026-04-14 15:30Z", tick=False)
def test_a_refused_document_is_kept_and_the_officers_are_told(
    recorded_feed,
    as_on_a_worker,
    settings,
    tmp_path,
    mdec_officer,
    django_capture_on_commit_callbacks,
):
    settings.FX_FEED_FILE = tmp_path / "eurofxref-daily.xml"
    settings.FX_FEED_FILE.write_bytes(BILLION_LAUGHS)
    with django_capture_on_commit_callbacks(execute=True):
        result = fx_rates_refresh_task.delay()
    assert isinstance(result.result, FxFeedRefused)  # not retried: it would be refused again
    fetch = FxFeedFetch.objects.get()
    assert (fetch.status, bytes(fetch.raw)) == ("refused", BILLION_LAUGHS)
    assert "DTD or entities" in fetch.error and fetch.alerted_at is not None
    assert not FxRate.objects.exists()
    (alert,) = mail.outbox
    assert alert.to == [mdec_officer.email]
    assert "DTD or entities" in alert.body and "No reference rates are stored" in alert.body


@pytest.mark.django_db
@time_machine.travel("2026-04-14 15:30Z", tick=False)
def test_a_feed_that_does_not_answer_is_retried_then_reported_once_a_day(
    feed_down, mdec_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = fx_rates_refresh_task.delay()
    assert result.state == "FAILURE"
    assert len(feed_down) == 4  # the first try and three retries
    fetch = FxFeedFetch.objects.get()
    assert (fetch.status, fetch.raw, fetch.sha256) == ("failed", b"", "")
    assert "ConnectionRefusedError" in fetch.error
    (alert,) = mail.outbox
    assert "ConnectionRefusedError" in alert.body
    assert "Failing since: 2026-04-14 15:30" in alert.body

    with django_capture_on_commit_callbacks(execute=True):
        fx_rates_refresh_task.delay()  # the next run of the day fails too
    assert FxFeedFetch.objects.filter(status="failed").count() == 2
    assert len(mail.outbox) == 1  # told once a day, not once a run


@pytest.mark.django_db
def test_ten_days_after_the_last_rate_conversions_refuse_officers_hear_and_the_feed_restores(
    settings, as_on_a_worker, mdec_officer, django_capture_on_commit_callbacks
):
    """The ECB's rates are stored up to Tuesday 2026-04-07; the clock is ten days later."""
    history = BundledEcbSource()
    fx_rates_store(source=history, rows=[r for r in history.fetch() if r.as_of <= date(2026, 4, 7)])
    ringgit = Money("100.00", "MYR")
    with time_machine.travel("2026-04-17 15:30Z", tick=False):
        with pytest.raises(RateStale) as refused:
            fx_quote(amount=ringgit, to="CNY")
        assert refused.value.code == "fx_rate_stale"
        assert "MYR" in refused.value.message and "2026-04-07" in refused.value.message
        # a valuation of a past day still takes the rate in force then
        assert fx_quote(amount=ringgit, to="CNY", on=date(2026, 4, 8)).rate_as_of == date(
            2026, 4, 7
        )

        # the beat task cannot reach the feed: the officers hear what failed and since when
        settings.FX_RATE_SOURCE = LIVE_SOURCE
        settings.FX_FEED_URL = feed_url_nobody_answers()
        with django_capture_on_commit_callbacks(execute=True):
            fx_rates_refresh_task.delay()
        (alert,) = mail.outbox
        assert alert.to == [mdec_officer.email]
        assert "newest of 2026-04-07" in alert.subject
        assert "ConnectionRefusedError" in alert.body
        assert "The newest ECB rates are of 2026-04-07 (8 TARGET business days old)" in alert.body
        assert "refused since 2026-04-14" in alert.body

        # the beat task with the recorded feed (the ECB's rates of Monday 2026-04-13)
        settings.FX_RATE_SOURCE = RECORDED_SOURCE
        with django_capture_on_commit_callbacks(execute=True):
            fx_rates_refresh_task.delay()
        quote = fx_quote(amount=ringgit, to="CNY")
        assert (quote.rate_source, quote.rate_as_of) == ("ECB", date(2026, 4, 13))
        assert quote.market_rate == Decimal("7.9827") / Decimal("4.6444")
        assert len(mail.outbox) == 1  # fresh again: nothing more to tell


@pytest.mark.django_db
@time_machine.travel("2026-04-14 15:30Z", tick=False)
def test_an_administrator_reads_each_document_as_it_came(recorded_feed, client, admin_user):
    fetch = fx_feed_fetch()
    client.force_login(admin_user)
    assert b"FX feed fetches" in client.get("/admin/payments/fxfeedfetch/").content
    page = client.get(f"/admin/payments/fxfeedfetch/{fetch.pk}/change/").content.decode()
    assert "&lt;Cube currency=&#x27;MYR&#x27; rate=&#x27;4.6444&#x27;/&gt;" in page
