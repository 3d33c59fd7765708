"""What a person must never read on a page: what is the code's and not the user's (an error
code, a ledger account key, an event or audit action name, an amount in minor units), and,
on a page in Malay or Chinese, English the catalogues translate. For the crawl of every
page of each role and the browser journeys."""

import functools
import re
from pathlib import Path

import polib
from django.conf import settings

from customs.errors import CustomsErrorCode
from ewtp.common.errors import CommonErrorCode
from hubs.errors import HubsErrorCode
from payments.errors import PaymentsErrorCode
from warehousing.errors import WarehousingErrorCode

LEDGER_KEY = re.compile(
    r"\b(customer|escrow|fees|duties|fx|fx_result|bank_clearing|receivable):[\w:]+"
)
ACTION = re.compile(
    r"\b(hubs|payments|customs|logistics|warehousing|peering|analytics|common|pipeline)\.[a-z_]+\.[a-z_]+\b"
)
MINOR = re.compile(r"\b\w*_minor\b|\bin sen\b", re.IGNORECASE)
CODES = {
    str(code)
    for enum in (
        CommonErrorCode,
        HubsErrorCode,
        PaymentsErrorCode,
        CustomsErrorCode,
        WarehousingErrorCode,
    )
    for code in enum
    if "_" in str(code)  # one-word codes ("invalid") are words people use too
}
CODE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, CODES))) + r")\b")
# a run of the English source this long is a sentence of the interface, not a name
ENGLISH_WORDS = 4
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|<[^>]+>")


def codes_in(where: str, text: str) -> list[str]:
    return [
        f"{where}: {name} {found.group(0)!r}"
        for name, pattern in (
            ("ledger key", LEDGER_KEY),
            ("action", ACTION),
            ("minor units", MINOR),
            ("error code", CODE),
        )
        for found in pattern.finditer(text)
    ]


@functools.cache
def _english_runs(language: str) -> tuple[str, ...]:
    """The runs of ENGLISH_WORDS or more words of every message the language's catalogue
    translates differently (between its placeholders and markup)."""
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    runs = set()
    for entry in polib.pofile(path).translated_entries():
        translation = entry.msgstr or entry.msgstr_plural.get(0, "")
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for run in PLACEHOLDER.split(msgid):
                run = " ".join(run.split()).strip(" .,:;·()")
                if len(run.split()) >= ENGLISH_WORDS and run not in translation:
                    runs.add(run)
    return tuple(sorted(runs))


def english_in(where: str, text: str, language: str) -> list[str]:
    """The interface's English sentences on a page that should be in ``language`` (ms,
    zh_Hans)."""
    text = " ".join(text.split())
    return [f"{where}: English {run!r}" for run in _english_runs(language) if run in text]
