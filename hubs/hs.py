"""The HS nomenclature as merchants meet it: validation, word search, the path of a code."""

import csv
import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import HsCode, Product

_CODE = re.compile(r"^[0-9]{6}([0-9]{2,4})?$")  # 6 digits, or a national line of 8 to 10


def hs_code_clean(raw: str) -> str:
    """A listing's HS code: a 6-digit HS 2022 subheading, or a national 8–10 digit line that
    extends one. Dots and spaces (0901.11, 0901 11 00) are accepted and removed."""
    code = re.sub(r"[\s.]", "", raw or "")
    if not _CODE.match(code):
        raise ValidationError(
            _("An HS code has 6 digits, or 8 to 10 for a national line: 090111 or 0901.11.00."),
            code="hs_format",
        )
    if code[:6] not in hs_subheadings():
        raise ValidationError(
            _("%(code)s is not a subheading of the HS 2022 nomenclature."),
            code="hs_unknown",
            params={"code": code[:6]},
        )
    return code


_subheadings: frozenset[str] = frozenset()


def hs_subheadings() -> frozenset[str]:
    """The 5,612 subheadings, read once per process: the table is reference data that only a
    migration changes, and an import validates thousands of rows against it. An empty read
    (a database not migrated yet) is not kept."""
    global _subheadings
    if not _subheadings:
        _subheadings = frozenset(HsCode.objects.filter(level=6).values_list("code", flat=True))
    return _subheadings


@functools.cache
def section_names() -> dict[str, str]:
    path = Path(__file__).resolve().parent / "data" / "hs" / "sections.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["section"]: row["name"] for row in csv.DictReader(handle)}


@dataclass(frozen=True)
class HsMatch:
    code: str
    description: str
    section: str
    chapter: str
    heading: str


_WORD = re.compile(r"[^\W_]+")
# weights of a query word found in the subheading's own text, its heading's, its chapter's
_LEVEL_WEIGHTS = (3, 2, 1)


def _stem(word: str) -> str:
    """English plural to singular, enough for the nomenclature's wording (scarves → scarf,
    bodies → body, boxes → box, beans → bean); words of other scripts are kept whole."""
    if len(word) <= 3 or not word.isascii():
        return word
    for ending, replacement in (("ves", "f"), ("ies", "y"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(ending):
            return word[: -len(ending)] + replacement
    if word.endswith(("xes", "ses", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> frozenset[str]:
    return frozenset(_stem(word) for word in _WORD.findall(text.lower()))


_word_index: tuple = ()


def _index() -> tuple[tuple[str, frozenset[str], frozenset[str], frozenset[str]], ...]:
    """Each subheading's words and its heading's and chapter's, read once per process
    (reference data that only a migration changes; an empty read is not kept)."""
    global _word_index
    if not _word_index:
        _word_index = _index_read()
    return _word_index


def _index_read() -> tuple:
    rows = HsCode.objects.filter(level=6).select_related("parent__parent").order_by("code")
    return tuple(
        (
            row.code,
            _words(row.description),
            _words(row.parent.description),
            _words(row.parent.parent.description),
        )
        for row in rows
    )


def _score(query_words: frozenset[str], entry) -> int:
    """0 unless every query word is a whole word of the subheading, its heading or its
    chapter ("tea" is not in "steaming"); more where the words are the subheading's own."""
    total = 0
    for word in query_words:
        weights = [w for w, words in zip(_LEVEL_WEIGHTS, entry[1:], strict=True) if word in words]
        if not weights:
            return 0
        total += max(weights)
    return total


def hs_search(query: str, *, limit: int = 20) -> list[HsMatch]:
    """Subheadings with every word of the query as a whole word (plurals folded) in the
    subheading, its heading or its chapter, those naming it themselves first; or starting
    with the digits typed."""
    query = (query or "").strip()
    if not query:
        return []
    rows = HsCode.objects.filter(level=6).select_related("parent__parent")
    digits = re.sub(r"[\s.]", "", query)
    if digits.isascii() and digits.isdigit():
        return [
            _match(row) for row in rows.filter(code__startswith=digits[:6]).order_by("code")[:limit]
        ]
    words = _words(" ".join(query.split()[:6]))
    if not words:
        return []
    scored = sorted(
        ((score, entry[0]) for entry in _index() if (score := _score(words, entry))),
        key=lambda pair: (-pair[0], pair[1]),
    )[:limit]
    found = {row.code: row for row in rows.filter(code__in=[code for _s, code in scored])}
    return [_match(found[code]) for _s, code in scored if code in found]


def hs_path(code: str) -> HsMatch | None:
    row = HsCode.objects.filter(code=code[:6], level=6).select_related("parent__parent").first()
    return _match(row) if row else None


def _match(row: HsCode) -> HsMatch:
    heading, chapter = row.parent, row.parent.parent
    return HsMatch(
        code=row.code,
        description=row.description,
        section=f"{row.section} {section_names().get(row.section, '')}".strip(),
        chapter=f"{chapter.code} {chapter.description}",
        heading=f"{heading.code} {heading.description}",
    )


def hs_suggestions_for(seller, *, limit: int = 5) -> list[HsMatch]:
    """The codes a seller used most on earlier listings, most used first."""
    used = Counter(Product.objects.filter(seller=seller).values_list("hs_code", flat=True))
    codes = [code[:6] for code, _count in used.most_common(limit)]
    rows = {
        row.code: row
        for row in HsCode.objects.filter(code__in=codes, level=6).select_related("parent__parent")
    }
    return [_match(rows[code]) for code in dict.fromkeys(codes) if code in rows]
