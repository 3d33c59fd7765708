"""The HS nomenclature as merchants meet it: validation, word search, the path of a code."""

import csv
import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .errors import HubsErrorCode
from .models import HsCode, Product

_CODE = re.compile(r"^[0-9]{6}([0-9]{2,4})?$")  # 6 digits, or a national line of 8 to 10


def hs_code_clean(raw: str) -> str:
    """A listing's HS code: a 6-digit HS 2022 subheading, or a national 8–10 digit line that
    extends one. Dots and spaces (0901.11, 0901 11 00) are accepted and removed."""
    code = re.sub(r"[\s.]", "", raw or "")
    if not _CODE.match(code):
        raise ValidationError(
            _("An HS code has 6 digits, or 8 to 10 for a national line: 090111 or 0901.11.00."),
            code=HubsErrorCode.HS_FORMAT,
        )
    if code[:6] not in hs_subheadings():
        raise ValidationError(
            _("%(code)s is not a subheading of the HS 2022 nomenclature."),
            code=HubsErrorCode.HS_UNKNOWN,
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
def _titles() -> dict[str, dict[str, str]]:
    """Section (I to XXI) and chapter (01 to 97) → language → short title, from
    hubs/data/hs/chapter-names.csv (see its SOURCE.md): the nomenclature's English and the
    hub's own Malay and Chinese, for display. Read from the file, not the database: they
    are words of the interface, not part of the nomenclature, and cost no query."""
    path = Path(__file__).resolve().parent / "data" / "hs" / "chapter-names.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        return {row.pop("code"): row for row in csv.DictReader(handle)}


def hs_title(code: str) -> str:
    """The short title of an HS section ("XI") or chapter ("61") in the active language,
    English where there is none in it; "" for a code that is neither."""
    titles = _titles().get(code)
    if titles is None:
        return ""
    return titles.get(get_language() or "") or titles["en"]


@dataclass(frozen=True)
class HsMatch:
    """A subheading and its path. The section and chapter are named in the reader's
    language; the subheading and heading keep the nomenclature's English, the text that
    goes with the code on a declaration."""

    code: str
    description: str
    section: str  # "XI Textiles and textile articles"
    chapter: str  # "62 Apparel and clothing accessories; not knitted or crocheted"
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


# words that say nothing of what the goods are, in a seller's description
_STOP = frozenset(
    {
        *("a", "an", "and", "the", "of", "for", "with", "in", "on", "or", "to", "by", "from"),
        *("new", "set", "pcs", "pc", "kg", "g", "ml", "cm"),
        *("dan", "untuk", "yang", "dengan", "atau"),  # Malay
    }
)


@dataclass(frozen=True)
class _Name:
    words: frozenset[str]  # Latin-script names: every word must be in the query
    text: str  # other scripts (Chinese): the name must be in the query as written
    codes: tuple[str, ...]  # headings or subheadings, likeliest first


@functools.cache
def _everyday_names() -> tuple[_Name, ...]:
    """Everyday and trade names of goods in English, Malay and Chinese, and the HS headings
    they usually fall under (hubs/data/hs/everyday-names.csv, see its SOURCE.md): a guide to
    where to look, never a classification ruling."""
    path = Path(__file__).resolve().parent / "data" / "hs" / "everyday-names.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        return tuple(
            _Name(
                words=_words(row["name"]) if row["name"].isascii() else frozenset(),
                text="" if row["name"].isascii() else row["name"].lower(),
                codes=tuple(row["hs"].split()),
            )
            for row in csv.DictReader(handle)
        )


def _named(query: str, words: frozenset[str]) -> dict[str, tuple[int, int]]:
    """Heading or subheading → (strength, rank) for each everyday name the query contains:
    a longer name is more specific; a name's first code is its likeliest (rank 0)."""
    scores: dict[str, tuple[int, int]] = {}
    for name in _everyday_names():
        hit = name.text in query if name.text else name.words <= words
        if not hit:
            continue
        strength = max(len(name.words), len(name.text))
        for rank, code in enumerate(name.codes):
            scores[code] = max(scores.get(code, (0, 0)), (strength, -rank))
    return scores


def _score(words: frozenset[str], entry) -> tuple[int, int]:
    """How many query words are not whole words of the subheading, its heading or its
    chapter ("tea" is not in "steaming"), and the weight of those that are (more where they
    are the subheading's own)."""
    missing, weight = 0, 0
    for word in words:
        weights = [w for w, found in zip(_LEVEL_WEIGHTS, entry[1:], strict=True) if word in found]
        if weights:
            weight += max(weights)
        else:
            missing += 1
    return missing, weight


def hs_search(query: str, *, limit: int = 20) -> list[HsMatch]:
    """Subheadings for what a seller calls its goods: those under the headings of an
    everyday name in the query (English, Malay or Chinese) first, then those whose text has
    every word of the query as a whole word (plurals folded), then most of them; within each,
    the subheadings naming the words themselves first. Digits are a code prefix."""
    query = (query or "").strip()
    if not query:
        return []
    rows = HsCode.objects.filter(level=6).select_related("parent__parent")
    digits = re.sub(r"[\s.]", "", query)
    if digits.isascii() and digits.isdigit():
        return [
            _match(row) for row in rows.filter(code__startswith=digits[:6]).order_by("code")[:limit]
        ]
    lowered = query.lower()[:200]
    words = frozenset(word for word in _words(lowered) if word not in _STOP and not word.isdigit())
    named = _named(lowered, words)
    ranked = []
    for entry in _index():
        code = entry[0]
        strength, rank = max(named.get(code, (0, 0)), named.get(code[:4], (0, 0)))
        missing, weight = _score(words, entry)
        if strength or (words and missing < len(words)):
            # the other words of the query choose among a name's subheadings ("frozen")
            ranked.append(((-strength, missing, -rank, -weight, code), code))
    best = [code for _key, code in sorted(ranked)[:limit]]
    found = {row.code: row for row in rows.filter(code__in=best)}
    return [_match(found[code]) for code in best if code in found]


def hs_path(code: str) -> HsMatch | None:
    row = HsCode.objects.filter(code=code[:6], level=6).select_related("parent__parent").first()
    return _match(row) if row else None


def _match(row: HsCode) -> HsMatch:
    heading, chapter = row.parent, row.parent.parent
    return HsMatch(
        code=row.code,
        description=row.description,
        section=f"{row.section} {hs_title(row.section)}".strip(),
        chapter=f"{chapter.code} {hs_title(chapter.code) or chapter.description}",
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
