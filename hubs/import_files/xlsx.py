"""Reading the first worksheet of an XLSX workbook as a stream of rows: the zip's directory
is checked before any part is unpacked, and the sheet is parsed by expat event handlers that
keep only the row being read (the package's docstring says why)."""

import io
import posixpath
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterator
from xml.parsers import expat

from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError

from ..errors import HubsErrorCode
from .limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MB,
    SHEET_ELEMENTS_FIRST,
    SHEET_ELEMENTS_PER_ROW,
    Budget,
    Row,
    grouped,
    refusal,
)

# zipfile reads the central directory whole and makes an object per member (110 MB for the
# 200,000 empty members a 16 MB file can list); a workbook's directory is a few KB.
MAX_ZIP_DIRECTORY_BYTES = 1 * MB
# Everything the members of a workbook declare unpacked, together. A sheet is streamed, so
# this is not about memory: a file past it is a zip bomb and is refused unread.
MAX_UNPACKED_BYTES = 512 * MB
# Parts held whole: the package and workbook relationships and the workbook (sheet names).
MAX_PART_BYTES = 2 * MB
# The shared strings are held whole, as the str objects every cell that uses one refers to
# (so a text used by many cells is held once). Their XML is refused past 32 MB unread, and
# the strings past 64 MB of memory (a str takes up to 4 bytes a character) or 500,000 of
# them: a listing file has a few different texts a row, 500,000 is ten for each of 50,000.
MAX_SHARED_STRINGS_BYTES = 32 * MB
MAX_SHARED_STRINGS_MEMORY = 64 * MB
MAX_SHARED_STRINGS = 500_000
# Text packs 5 to 20 times; a part held whole that packs far tighter is a zip bomb.
MAX_PACKING_RATIO = 100
RATIO_CHECKED_FROM = 1 * MB
CHUNK = 64 * 1024
# the longest run of XML the parser may hold without an event (see _parse)
MAX_UNFINISHED_TOKEN = 1024 * 1024
# What zipfile and expat raise on a damaged workbook: a bad CRC or offset, truncated data, a
# zip feature Excel never writes, malformed XML.
DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    expat.ExpatError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
)


# --- the zip ---------------------------------------------------------------------------


def xlsx_rows(source) -> Iterator[Row]:
    archive = _open_workbook(source)
    try:
        with archive:
            sheet, strings_part = _workbook_parts(archive)
            strings = _shared_strings(archive, strings_part) if strings_part else []
            yield from _sheet_rows(archive, sheet, strings)
    except DAMAGED as exc:
        raise _unreadable_workbook() from exc


def _open_workbook(source) -> zipfile.ZipFile:
    _check_zip_directory(source)
    try:
        archive = zipfile.ZipFile(source)
    except DAMAGED as exc:
        raise _unreadable_workbook() from exc
    members = archive.infolist()
    if any(
        m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or m.flag_bits & 1
        for m in members
    ):
        archive.close()
        raise _unreadable_workbook()  # encrypted, or packed in a way Excel never uses
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        archive.close()
        raise refusal(
            _("The workbook unpacks to more than %(size)s MB, far more than listings need.")
            % {"size": grouped(MAX_UNPACKED_BYTES // MB)},
            HubsErrorCode.IMPORT_TOO_LARGE,
        )
    return archive


def _check_zip_directory(source) -> None:
    """Refuse a zip whose central directory is too large to read, before zipfile reads it.

    The end-of-central-directory record is the last 22 bytes, before an optional comment of
    up to 64 KiB; it gives the directory's size. A ZIP64 record (only needed past 65,535
    members or 4 GB) is refused: no workbook within the upload limit needs one."""
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(max(0, size - 22 - 0xFFFF))
    tail = source.read()
    at = tail.rfind(b"PK\x05\x06")
    zip64 = at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07"
    if at < 0 or len(tail) - at < 22 or zip64:
        raise _unreadable_workbook()
    (directory_size,) = struct.unpack_from("<I", tail, at + 12)
    if directory_size > MAX_ZIP_DIRECTORY_BYTES:
        raise _unreadable_workbook()
    source.seek(0)


def _check_part(archive: zipfile.ZipFile, name: str, limit: int) -> None:
    """Refuse a part held whole from what the zip declares, before a byte of it is unpacked."""
    info = archive.getinfo(name)
    ratio = info.file_size / max(info.compress_size, 1)
    tight = info.file_size > RATIO_CHECKED_FROM and ratio > MAX_PACKING_RATIO
    if info.file_size > limit or tight:
        raise refusal(
            _(
                "The workbook's %(part)s unpacks to %(size)s MB (at most %(limit)s MB, packed "
                "at most %(ratio)s to 1). Split the listings into smaller files."
            )
            % {
                "part": posixpath.basename(name),
                "size": grouped(max(1, info.file_size // MB)),
                "limit": grouped(limit // MB),
                "ratio": MAX_PACKING_RATIO,
            },
            HubsErrorCode.IMPORT_TOO_LARGE,
        )


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[str, str | None]:
    """The first worksheet's part and the shared strings' part (None when there is none),
    found as Excel finds them: package relationships → workbook → its relationships."""
    package = _relationships(archive, "_rels/.rels")
    workbook = next((t for kind, t in package.values() if kind.endswith("/officeDocument")), "")
    if workbook not in archive.NameToInfo:
        raise _unreadable_workbook()
    folder, part = posixpath.split(workbook)
    related = _relationships(archive, posixpath.join(folder, "_rels", part + ".rels"), folder)
    sheets = (related.get(sheet.get("id", "")) for sheet in _elements(archive, workbook, "sheet"))
    sheet = next((r[1] for r in sheets if r and r[0].endswith("/worksheet")), None)
    if sheet is None or sheet not in archive.NameToInfo:
        raise refusal(_("The workbook has no worksheet."), HubsErrorCode.IMPORT_FILE_UNREADABLE)
    strings = next((t for kind, t in related.values() if kind.endswith("/sharedStrings")), None)
    return sheet, strings if strings in archive.NameToInfo else None


def _relationships(archive: zipfile.ZipFile, name: str, base: str = "") -> dict[str, tuple]:
    """Id → (type, part name) of a relationships part, targets resolved against ``base``."""
    found = {}
    for rel in _elements(archive, name, "Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        path = target[1:] if target.startswith("/") else posixpath.join(base, target)
        found[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return found


def _elements(archive: zipfile.ZipFile, name: str, tag: str) -> list[dict[str, str]]:
    """The attributes (local names) of every ``tag`` element of a small part."""
    if name not in archive.NameToInfo:
        raise _unreadable_workbook()
    _check_part(archive, name, MAX_PART_BYTES)
    found: list[dict[str, str]] = []

    def start(element, attributes):
        # a workbook has a few sheets; the cap keeps a hostile one from filling memory
        if _local(element) == tag and len(found) < 10_000:
            found.append({_local(key): value for key, value in attributes.items()})

    with archive.open(name) as stream:
        _parse_all(stream, _parser(start))
    return found


# --- the XML ---------------------------------------------------------------------------


def _parser(start, end=None, text=None) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    return parser


def _refuse_doctype(*args) -> None:
    raise _unreadable_workbook()


def _parse(stream, parser: expat.XMLParserType) -> Iterator[None]:
    """Feed a part to the parser a chunk at a time, pausing after each chunk so the caller
    takes the rows the handlers finished: at most a chunk's worth is ever held.

    An unfinished token (a huge attribute or comment) is scanned again from its start with
    every chunk by expat before 2.6, so its cost grows with the square of its length: no
    spreadsheet has a token of a megabyte, and one that long is refused as it grows."""
    fed = 0
    while chunk := stream.read(CHUNK):
        parser.Parse(chunk, False)
        fed += len(chunk)
        if fed - max(parser.CurrentByteIndex, 0) > MAX_UNFINISHED_TOKEN:
            raise _unreadable_workbook()
        yield
    parser.Parse(b"", True)
    yield


def _parse_all(stream, parser: expat.XMLParserType) -> None:
    for _chunk in _parse(stream, parser):
        pass


def _local(name: str) -> str:
    return name.rpartition(" ")[2]  # "namespace local-name" → local-name


class _Text:
    """Collects the text of the element being captured, refusing a cell too long to be one."""

    def __init__(self):
        self.parts: list[str] | None = None
        self.size = 0
        self.line: int | None = None  # the sheet's row; None in the shared strings

    def begin(self) -> None:
        if self.parts is None:
            self.parts, self.size = [], 0

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_CELL_CHARS:
            raise _cell_too_long(self.line)
        self.parts.append(text)

    def take(self) -> str | None:
        text, self.parts = ("".join(self.parts) if self.parts is not None else None), None
        return text


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    _check_part(archive, name, MAX_SHARED_STRINGS_BYTES)
    table = _SharedStrings()
    with archive.open(name) as stream:
        _parse_all(stream, _parser(table.start, table.end, table.data))
    return table.strings


class _SharedStrings:
    """expat handlers for the shared strings: the text of each <si>, rich-text runs joined
    and phonetic guides (<rPh>) left out, as Excel shows the cell."""

    def __init__(self):
        self.strings: list[str] = []
        self.memory = 0
        self.text = _Text()
        self.capture = False
        self.phonetic = False

    def start(self, element, attributes):
        tag = _local(element)
        if tag == "si":
            self.text.begin()
        elif tag == "t" and self.text.parts is not None and not self.phonetic:
            self.capture = True
        elif tag == "rPh":
            self.phonetic = True

    def end(self, element):
        tag = _local(element)
        if tag == "si":
            self.strings.append((self.text.take() or "").strip())
            self.memory += sys.getsizeof(self.strings[-1]) + 8  # the str and its list slot
            if len(self.strings) > MAX_SHARED_STRINGS or self.memory > MAX_SHARED_STRINGS_MEMORY:
                raise refusal(
                    _(
                        "The workbook holds more text than one import reads (%(count)s "
                        "different texts, %(size)s MB). Split the listings into smaller files."
                    )
                    % {
                        "count": grouped(MAX_SHARED_STRINGS),
                        "size": grouped(MAX_SHARED_STRINGS_MEMORY // MB),
                    },
                    HubsErrorCode.IMPORT_TOO_LARGE,
                )
        elif tag == "t":
            self.capture = False
        elif tag == "rPh":
            self.phonetic = False

    def data(self, chunk):
        if self.capture:
            self.text.add(chunk)


class _SheetReader:
    """expat handlers for a worksheet: they keep the row being read and queue finished rows
    that have something in them. Lines are the sheet's row numbers, columns its letters."""

    def __init__(self, strings: list[str]):
        self.strings = strings
        self.budget = Budget(SHEET_ELEMENTS_FIRST, SHEET_ELEMENTS_PER_ROW)
        self.finished: list[Row] = []
        self.line = 0
        self.cells: dict[int, str] = {}
        self.column = 0
        self.kind = "n"
        self.text = _Text()
        self.capture = False
        self.phonetic = False

    def start(self, element, attributes):
        self.budget.spend()
        tag = _local(element)
        if tag == "row":
            self.line = _row_number(attributes.get("r"), self.line)
            self.text.line, self.column = self.line, 0
        elif tag == "c":
            self.column = _column_number(attributes.get("r"), self.column)
            self.kind = attributes.get("t", "n")
            if self.column <= MAX_COLUMNS:
                self.text.begin()
        elif tag in ("v", "t") and self.text.parts is not None and not self.phonetic:
            self.capture = True
        elif tag == "rPh":
            self.phonetic = True

    def end(self, element):
        tag = _local(element)
        if tag in ("v", "t"):
            self.capture = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "c":
            raw = self.text.take()
            value = _cell_text(self.kind, raw, self.strings) if raw is not None else ""
            if value:
                self.cells[self.column] = value
        elif tag == "row" and self.cells:
            self.budget.earn()
            width = max(self.cells)
            self.finished.append((self.line, [self.cells.get(i, "") for i in range(1, width + 1)]))
            self.cells = {}

    def data(self, chunk):
        if self.capture:
            self.text.add(chunk)


def _sheet_rows(archive, name: str, strings: list[str]) -> Iterator[Row]:
    reader = _SheetReader(strings)
    with archive.open(name) as stream:
        for _chunk in _parse(stream, _parser(reader.start, reader.end, reader.data)):
            yield from reader.finished
            reader.finished.clear()


def _row_number(reference: str | None, previous: int) -> int:
    if reference is None:
        return previous + 1
    if not (reference.isascii() and reference.isdigit() and len(reference) <= 7):
        raise _unreadable_workbook()  # Excel's last row is 1,048,576
    return int(reference)


def _column_number(reference: str | None, previous: int) -> int:
    """The column of a cell reference ("AB12" → 28); the next column when there is none."""
    if reference is None:
        return previous + 1
    letters = reference.rstrip("0123456789").upper()
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise _unreadable_workbook()  # Excel's last column is XFD
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _cell_text(kind: str, raw: str, strings: list[str]) -> str:
    """A cell's value as the text a seller typed: numbers without a spurious ".0" (a
    spreadsheet stores 90111 as a number), booleans as TRUE/FALSE, shared strings looked up."""
    raw = raw.strip()
    if not raw:
        return ""
    if kind == "s":
        if not (raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) < len(strings)):
            raise _unreadable_workbook()
        return strings[int(raw)]  # stripped when read; shared by every cell, not copied
    if kind == "b":
        return "TRUE" if raw == "1" else "FALSE"
    if kind == "n":
        return _number_text(raw)
    return raw  # inline and formula strings, dates as ISO text, errors as #N/A


def _number_text(raw: str) -> str:
    if raw.lstrip("-").isdigit():
        return raw
    try:
        number = float(raw)
    except ValueError:
        return raw
    return str(int(number)) if number.is_integer() else str(number)


# --- refusals ---------------------------------------------------------------------------


def _cell_too_long(line: int | None) -> ApplicationError:
    limit = grouped(MAX_CELL_CHARS)
    if line is None:
        message = _("A cell is longer than %(limit)s characters.") % {"limit": limit}
    else:
        message = _("Line %(line)s has a cell longer than %(limit)s characters.") % {
            "line": line,
            "limit": limit,
        }
    return refusal(message, HubsErrorCode.IMPORT_TOO_LARGE)


def _unreadable_workbook() -> ApplicationError:
    return refusal(
        _(
            "The file is not a readable .xlsx workbook. Save it again from your spreadsheet "
            "program as .xlsx, or as “CSV UTF-8”."
        ),
        HubsErrorCode.IMPORT_FILE_UNREADABLE,
    )
