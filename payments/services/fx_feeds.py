"""The ECB's daily euro reference rates: the feed fetched, each document kept as it came,
read safely, its rates stored; the officers told when it fails.

Two sources with the feed's layout (gesmes:Envelope / Cube / Cube time / Cube currency
rate), usable as ``FX_RATE_SOURCE``:

- ``EcbDailyFeed``: the live feed (``FX_FEED_URL``), one plain https GET to a fixed, trusted
  host — certificate verified, no redirect followed, a timeout on every network step and a
  deadline on the whole answer, at most ``FX_FEED_MAX_BYTES`` read;
- ``EcbRecordedFeed``: the same layout read from a file (``FX_FEED_FILE``; by default the
  recorded copy in payments/data): the demo and the tests, which never reach the internet.

A document is parsed with defusedxml, DTDs and entities forbidden (no entity expansion,
nothing fetched), and refused whole unless it has the feed's layout, rates that are positive
decimals of three-letter currencies, and no day in the future. The beat task
(payments.tasks.fx_rates_refresh_task) calls ``fx_feed_fetch``; when it gives up, or a
document is refused, ``fx_feed_failure_report`` keeps the failure and e-mails the MDEC
officers what failed and since when the rates are stale (at most once a day).
"""

import hashlib
import http.client
import logging
import re
import ssl
import time
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError
from ewtp.common.notifications import email_after_commit
from ewtp.common.rate_age import rate_stale_from, target_business_days_after
from hubs.models import User

from ..errors import PaymentsErrorCode as Code
from ..models import FxFeedFetch, FxRate
from ..selectors import fx_rates_latest_day
from .fx import RateRow, fx_rates_store

logger = logging.getLogger(__name__)
GESMES = "{http://www.gesmes.org/xml/2002-08-01}"
EUROFXREF = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
MAX_DAYS = 100  # the daily feed carries one day; its 90-day sibling about 64
CURRENCY = re.compile(r"[A-Z]{3}")
RATE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,8})?")  # what FxRate.rate holds (20 digits, 8 places)


class FxFeedUnavailable(OSError):
    """No document: the feed did not answer, or not with 200. Transient: the task retries."""


class FxFeedRefused(ApplicationError):
    """A document came and was refused; ``fetch_id`` is the row that keeps it. (Celery hands
    the task's failure handler a copy made by pickling, which calls the class with the
    message alone: hence the defaults.)"""

    def __init__(self, message: str, code=Code.FX_FEED_CONTENT, *, fetch_id: int | None = None):
        super().__init__(message, code, extra={"fetch_id": fetch_id})
        self.fetch_id = fetch_id


def _refuse(message: str, code: Code) -> ApplicationError:
    return ApplicationError(message, code)


def ecb_feed_parse(raw: bytes) -> list[RateRow]:
    """The rates of an ECB reference-rate document (units per 1 EUR, per day); raises
    ApplicationError with the reason for anything else."""
    if len(raw) > settings.FX_FEED_MAX_BYTES:
        raise _refuse(
            _("The document is over %(size)s bytes: not the daily feed.")
            % {"size": settings.FX_FEED_MAX_BYTES},
            Code.FX_FEED_TOO_LARGE,
        )
    root = _safe_root(raw)
    if root.tag != f"{GESMES}Envelope":
        raise _refuse(
            _("The root is %(root)s, not gesmes:Envelope.") % {"root": root.tag[:120]},
            Code.FX_FEED_CONTENT,
        )
    days = root.findall(f"{EUROFXREF}Cube/{EUROFXREF}Cube")
    if not 1 <= len(days) <= MAX_DAYS:
        raise _refuse(
            _("The document has %(days)s days of rates (1 to %(max)s expected).")
            % {"days": len(days), "max": MAX_DAYS},
            Code.FX_FEED_CONTENT,
        )
    return [row for cube in days for row in _day_rates(cube)]


def _safe_root(raw: bytes) -> ET.Element:
    try:
        return fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise _refuse(
            _("The document declares a DTD or entities (%(kind)s); the feed does not.")
            % {"kind": type(error).__name__},
            Code.FX_FEED_XML_FORBIDDEN,
        ) from None
    except (ET.ParseError, UnicodeError, ValueError) as error:
        raise _refuse(
            _("The document is not well-formed XML: %(reason)s.") % {"reason": error},
            Code.FX_FEED_NOT_XML,
        ) from None


def _day_rates(cube: ET.Element) -> list[RateRow]:
    text = cube.get("time", "")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _refuse(
            _("A day is not a date: %(text)s.") % {"text": repr(text[:40])}, Code.FX_FEED_CONTENT
        ) from None
    if day > timezone.localdate():
        raise _refuse(
            _("The document carries rates of %(day)s, a day to come.") % {"day": day},
            Code.FX_FEED_CONTENT,
        )
    rows: dict[str, RateRow] = {}
    for rate_cube in cube.findall(f"{EUROFXREF}Cube"):
        currency, rate = rate_cube.get("currency", ""), rate_cube.get("rate", "")
        if not CURRENCY.fullmatch(currency) or currency == "EUR" or currency in rows:
            raise _refuse(
                _("%(day)s: %(currency)s is not a currency, or not once.")
                % {"day": day, "currency": repr(currency[:10])},
                Code.FX_FEED_CONTENT,
            )
        if not RATE.fullmatch(rate) or not Decimal(rate) > 0:
            raise _refuse(
                _("%(day)s %(currency)s: %(rate)s is not a rate.")
                % {"day": day, "currency": currency, "rate": repr(rate[:30])},
                Code.FX_FEED_CONTENT,
            )
        rows[currency] = RateRow(quote=currency, rate=Decimal(rate), as_of=day)
    if not rows:
        raise _refuse(_("%(day)s: no rates.") % {"day": day}, Code.FX_FEED_CONTENT)
    return list(rows.values())


class EcbDailyFeed:
    """The ECB's daily reference rates over https (FX_FEED_URL)."""

    name, base = "ECB", "EUR"

    @property
    def location(self) -> str:
        return settings.FX_FEED_URL

    def fetch(self) -> list[RateRow]:
        return self.parse(self.download())

    def parse(self, raw: bytes) -> list[RateRow]:
        return ecb_feed_parse(raw)

    def download(self) -> bytes:
        """One GET; the answer's body if 200, at most FX_FEED_MAX_BYTES + 1 bytes (the parser
        refuses a longer one), within twice FX_FEED_TIMEOUT_SECONDS in all."""
        url = urlsplit(self.location)
        if url.scheme != "https" or not url.hostname:
            raise FxFeedUnavailable(f"FX_FEED_URL must be an https URL, not {self.location!r}")
        timeout = settings.FX_FEED_TIMEOUT_SECONDS
        deadline = time.monotonic() + 2 * timeout
        connection = self._connection(url.hostname, url.port or 443, timeout)
        try:
            connection.request(
                "GET",
                (url.path or "/") + (f"?{url.query}" if url.query else ""),
                headers={"Accept": "application/xml, text/xml", "User-Agent": "eWTP-Hub"},
            )
            response = connection.getresponse()
            if response.status != 200:
                raise FxFeedUnavailable(f"the feed answered HTTP {response.status}")
            return _body(response, deadline)
        except http.client.HTTPException as error:
            raise FxFeedUnavailable(f"the feed's answer was broken: {error!r}") from error
        finally:
            connection.close()

    def _connection(self, host: str, port: int, timeout: float) -> http.client.HTTPConnection:
        context = ssl.create_default_context()  # verifies the ECB's certificate and name
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)


def _body(response: http.client.HTTPResponse, deadline: float) -> bytes:
    """Each read waits at most the connection's timeout; the deadline ends a feed that
    drips a byte at a time."""
    limit, chunks, size = settings.FX_FEED_MAX_BYTES + 1, [], 0
    while size < limit and (chunk := response.read1(8192)):
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise FxFeedUnavailable("the feed answered too slowly")
    return b"".join(chunks)[:limit]


class EcbRecordedFeed(EcbDailyFeed):
    """A document in the feed's layout read from FX_FEED_FILE (by default the recorded copy
    in payments/data): the demo's and the tests' feed, never the network."""

    @property
    def location(self) -> str:
        return str(settings.FX_FEED_FILE)

    def download(self) -> bytes:
        with open(self.location, "rb") as handle:
            return handle.read(settings.FX_FEED_MAX_BYTES + 1)


def fx_rate_source():
    return import_string(settings.FX_RATE_SOURCE)()


def fx_feed_fetch(*, source=None) -> FxFeedFetch | None:
    """Fetch the feed once: keep the document, store its rates, and tell the officers if the
    rates are still stale after it (the feed answered with an old day). Returns None, without
    fetching, when today's rates are stored already (the later runs of the day). A second
    fetch of the same document changes nothing. Raises FxFeedUnavailable (the task retries)
    or FxFeedRefused (the document, kept first, is refused: no retry)."""
    source = source or fx_rate_source()
    if FxRate.objects.filter(source=source.name, as_of__gte=timezone.localdate()).exists():
        return None
    fetched_at = timezone.now()
    raw = source.download()  # outside any transaction: the network is slow
    try:
        rows = source.parse(raw)
    except ApplicationError as error:
        fetch = _document_keep(source, raw, fetched_at, FxFeedFetch.Status.REFUSED, error.message)
        logger.error("fx feed: document %s refused: %s", fetch.sha256[:12], error.message)
        raise FxFeedRefused(error.message, error.code, fetch_id=fetch.pk) from None
    with transaction.atomic():
        new = fx_rates_store(source=source, rows=rows)
        fetch = _document_keep(
            source,
            raw,
            fetched_at,
            FxFeedFetch.Status.STORED,
            rate_day=max(row.as_of for row in rows),
            rates_new=new,
        )
        if _stale_since(source) is not None:
            _officers_alert(fetch, source, what=f"the feed answered with rates of {fetch.rate_day}")
    logger.info("fx feed: rates of %s, %s new", fetch.rate_day, new)
    return fetch


def _document_keep(source, raw: bytes, fetched_at, status, error: str = "", **fields):
    """The row of this document: created the first time it is fetched, as it was after."""
    fetch, _created = FxFeedFetch.objects.get_or_create(
        source=source.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        defaults={
            "location": source.location[:300],
            "fetched_at": fetched_at,
            "status": status,
            "raw": raw[: settings.FX_FEED_MAX_BYTES],
            "error": error,
            **fields,
        },
    )
    return fetch


def fx_feed_failure_report(*, error: BaseException, source=None) -> FxFeedFetch:
    """The task gave up (its retries are spent, or the document was refused): keep the
    failure (a refused document is kept already) and tell the officers."""
    source = source or fx_rate_source()
    with transaction.atomic():
        fetch = FxFeedFetch.objects.filter(pk=getattr(error, "fetch_id", None)).first()
        if fetch is None:
            fetch = FxFeedFetch.objects.create(
                source=source.name,
                location=source.location[:300],
                fetched_at=timezone.now(),
                status=FxFeedFetch.Status.FAILED,
                error=f"{type(error).__name__}: {error}"[:2000],
            )
        logger.error("fx feed: fetch failed: %s", fetch.error)
        _officers_alert(fetch, source, what=f"{fetch.get_status_display()}: {fetch.error}")
    return fetch


def _stale_since(source) -> date | None:
    """The day from which the newest stored rates are too old for today, if today is."""
    latest = fx_rates_latest_day(source=source.name)
    if latest is None:
        return timezone.localdate()
    stale_from = rate_stale_from(latest)
    return stale_from if stale_from <= timezone.localdate() else None


def _officers_alert(fetch: FxFeedFetch, source, *, what: str) -> bool:
    """E-mail the MDEC officers, at most once a (UTC) day: the beat runs several times a
    day and each run retries. The beat runs one task at a time, so two alerts racing for the
    same day are not guarded against further."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if FxFeedFetch.objects.filter(alerted_at__gte=midnight).exists():
        return False
    FxFeedFetch.objects.filter(pk=fetch.pk).update(alerted_at=now)
    latest = fx_rates_latest_day(source=source.name)
    officers = User.objects.filter(official_role=User.OfficialRole.MDEC_OFFICER, is_active=True)
    email_after_commit(
        to=list(officers.values_list("email", flat=True)),
        subject=f"eWTP Hub: exchange rates not refreshed (newest of {latest or 'none'})",
        body=_alert_body(fetch, source, what, latest),
    )
    return True


def _alert_body(fetch: FxFeedFetch, source, what: str, latest: date | None) -> str:
    failing = _failing_since(fetch, source)
    today, limit = timezone.localdate(), settings.FX_MAX_RATE_AGE_DAYS
    if latest is None:
        staleness = "No reference rates are stored: every conversion for today is refused."
    else:
        age = target_business_days_after(latest, today)
        stale_from = rate_stale_from(latest)
        staleness = (
            f"The newest {source.name} rates are of {latest} ({age} TARGET business days "
            f"old). Today's conversions (payment quotes, settlements, customs valuations) "
            f"refuse rates over {limit} business days old (FX_MAX_RATE_AGE_DAYS): "
            + (
                f"they have been refused since {stale_from}."
                if stale_from <= today
                else f"they will be refused from {stale_from} unless new rates arrive."
            )
            + " Valuations of past dates still use the rates in force then."
        )
    return (
        f"The {source.name} reference rates were not refreshed.\n\n"
        f"What failed: {what}\n"
        f"Fetched from: {fetch.location} at {fetch.fetched_at:%Y-%m-%d %H:%M} UTC\n"
        + (f"Failing since: {failing:%Y-%m-%d %H:%M} UTC\n" if failing else "")
        + f"\n{staleness}\n\n"
        "The beat task tries again at its next run (ECB business days, after the 16:00 CET "
        "publication). Check that FX_FEED_URL answers from the workers, or load rates by hand "
        "with `manage.py fx_rates_load`. Each document fetched is kept under FX feed fetches "
        "in the admin."
    )


def _failing_since(fetch: FxFeedFetch, source):
    """When the first fetch failed (or was refused) since the last one stored, if any."""
    fetches = FxFeedFetch.objects.filter(source=source.name, fetched_at__lte=fetch.fetched_at)
    good = (
        fetches.filter(status=FxFeedFetch.Status.STORED)
        .order_by("-fetched_at")
        .values_list("fetched_at", flat=True)
        .first()
    )
    bad = fetches.exclude(status=FxFeedFetch.Status.STORED)
    if good is not None:
        bad = bad.filter(fetched_at__gt=good)
    return bad.order_by("fetched_at").values_list("fetched_at", flat=True).first()
