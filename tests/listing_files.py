"""Listing files for the import's tests and benchmark.

XLSX files are written part by part with zipfile, the way an attacker writes them: a sheet of
millions of rows streams into the zip in well under a second and packs to a few hundred KB.
``read_in_a_subprocess`` reads one with the import's own reader in a process of its own and
reports that process's peak memory.
"""

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# One row of one short cell: 48 bytes of XML that deflate packs about 350 to 1.
X_ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
# a valid listing, as the columns of an import file spell it
GOOD_LISTING = {
    "sku": "BTK-001",
    "title_en": "Batik silk scarf",
    "description_en": "Hand-drawn batik on silk.",
    "hs_code": "621410",
    "origin_country": "MY",
    "unit_price": "89.90",
    "unit_weight_kg": "0.15",
    "length_cm": "30",
    "width_cm": "20",
    "height_cm": "2",
    "stock": "40",
    "is_active": "yes",
}

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}">'
    f'<Relationship Id="rId1" Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE}">'
    '<sheets><sheet name="Listings" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def workbook(
    target,
    *,
    sheet: Iterable[bytes],
    shared_strings: Iterable[bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> None:
    """Write an XLSX to ``target`` (a path or a binary file) whose only sheet's XML is the
    concatenation of the ``sheet`` chunks, streamed into the zip as they come."""
    relationships = (
        f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
    )
    if shared_strings is not None:
        relationships += (
            f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    with zipfile.ZipFile(target, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}">{relationships}</Relationships>',
        )
        _stream(archive, "xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            _stream(archive, "xl/sharedStrings.xml", shared_strings)


def _stream(archive: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as member:
        for chunk in chunks:
            member.write(chunk)


def sheet_xml(header: list[str], rows: Iterable[bytes] = ()) -> Iterator[bytes]:
    """A worksheet: the header in row 1 as inline strings, then ``rows`` as they are."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
    yield inline_row(header)
    yield from rows
    yield b"</sheetData></worksheet>"


def shared_strings_xml(items: Iterable[bytes]) -> Iterator[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
    yield from items
    yield b"</sst>"


def inline_row(cells: list[str]) -> bytes:
    inline = "".join(f'<c t="inlineStr"><is><t>{escape(str(c))}</t></is></c>' for c in cells)
    return f"<row>{inline}</row>".encode()


def repeated(chunk: bytes, times: int, *, batch: int = 10_000) -> Iterator[bytes]:
    """``chunk`` ``times`` times, in pieces of ``batch`` so nothing large is ever held."""
    for start in range(0, times, batch):
        yield chunk * min(batch, times - start)


# The reader's process says what it found and its peak resident memory: VmHWM, the high-water
# mark of its own address space. ru_maxrss (getrusage, wait4) would not do: Linux starts a
# child's count from its parent's resident size at fork, so it would measure the parent.
READER = """
import sys
from contextlib import closing

import django

django.setup()
from ewtp.common.errors import ApplicationError
from hubs.services.imports import product_import_rows

with open(sys.argv[1], "rb") as source:
    with closing(product_import_rows(source, name=sys.argv[1])) as rows:
        try:
            verdict = f"accepted {sum(1 for _row in rows)}"
        except ApplicationError as error:
            verdict = f"refused {error.code}"
with open("/proc/self/status") as status:
    peak_kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print(verdict, peak_kb)
"""
PROJECT = Path(__file__).resolve().parent.parent


def read_in_a_subprocess(path) -> tuple[str, float]:
    """What the import's reader says of ``path`` ("refused <code>" or "accepted <rows>"), and
    the peak RSS in MB of the process that read it, Django and the project loaded included.
    Linux only (/proc)."""
    done = subprocess.run(
        [sys.executable, "-c", READER, str(path)],
        cwd=PROJECT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ewtp.settings.test"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    verdict, _space, peak_kb = done.stdout.strip().rpartition(" ")
    return verdict, int(peak_kb) / 1024
