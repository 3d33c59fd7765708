"""A listing file is read as a stream and refused whole as soon as it passes a limit: a
558 KiB XLSX of 4 million rows is refused for the row cap in bounded memory, measured in the
process that reads it; a wrong header is refused before a row is read, in the portal and in
the task; a zip bomb is refused from the zip's directory; a damaged file gets a message,
never a 500 or a crashed task; and nothing of a refused file is imported."""

import csv
import io
import sys
import time
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from ewtp.common.errors import ApplicationError
from hubs.errors import HubsErrorCode
from hubs.import_files import xlsx as import_files
from hubs.models import Product, ProductImport
from hubs.services.imports import COLUMNS, product_import_rows, product_import_run
from tests.listing_files import (
    GOOD_LISTING,
    X_ROW,
    inline_row,
    read_in_a_subprocess,
    repeated,
    shared_strings_xml,
    sheet_xml,
    workbook,
)

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
FOUR_MILLION = 4_000_000
GOOD_ROW = GOOD_LISTING


@pytest.fixture(scope="module")
def four_million_rows(tmp_path_factory):
    """A valid header, then 4,000,000 one-cell rows: 192 MB of XML in a 558 KiB file."""
    path = tmp_path_factory.mktemp("xlsx") / "listings.xlsx"
    workbook(path, sheet=sheet_xml(COLUMNS, repeated(X_ROW, FOUR_MILLION)))
    return path


def rows_of(content: bytes, name: str) -> list:
    return list(product_import_rows(io.BytesIO(content), name=name))


def refusal(content: bytes, name: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        rows_of(content, name)
    return refused.value


def csv_bytes(rows: int, header=COLUMNS, **changes) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for n in range(rows):
        writer.writerow({**GOOD_ROW, "sku": f"CAP-{n:06d}", **changes})
    return out.getvalue().encode()


def xlsx_bytes(**parts) -> bytes:
    out = io.BytesIO()
    workbook(out, **parts)
    return out.getvalue()


# --- 4 million rows -----------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS is read from /proc")
def test_a_4_million_row_xlsx_is_refused_for_the_row_cap_in_bounded_memory(four_million_rows):
    assert four_million_rows.stat().st_size < 600 * 1024
    with zipfile.ZipFile(four_million_rows) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 180 * MB
    verdict, peak_mb = read_in_a_subprocess(four_million_rows)
    assert verdict == f"refused {HubsErrorCode.IMPORT_TOO_MANY_ROWS}"
    assert peak_mb < 200, f"peak RSS {peak_mb:.0f} MB"


def test_the_task_refuses_it_before_creating_anything(seller_owner, four_million_rows):
    seller = seller_owner.memberships.get().organization
    job = ProductImport.objects.create(
        seller=seller,
        original_name="listings.xlsx",
        file=SimpleUploadedFile("listings.xlsx", four_million_rows.read_bytes()),
    )
    job = product_import_run(import_id=job.pk)
    assert job.status == "failed"
    assert "more than 50,000 rows" in job.failure
    assert (job.total_rows, job.processed_rows, job.created_count) == (0, 0, 0)
    assert not Product.objects.exists()


def test_the_portal_takes_it_and_the_task_refuses_it_with_the_reason(
    client, seller_owner, four_million_rows, django_capture_on_commit_callbacks
):
    """Its header is right, so the page (which reads only the header) takes it; the task
    counts the rows and ends the import as failed, saying the limit."""
    client.force_login(seller_owner)
    upload = SimpleUploadedFile("listings.xlsx", four_million_rows.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/products/imports/", {"file": upload})
    job = ProductImport.objects.get()
    assert response["Location"] == f"/products/imports/{job.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "The file has more than 50,000 rows" in page
    assert not Product.objects.exists()


# --- the header first ---------------------------------------------------------------------


def test_a_wrong_header_is_refused_before_any_row_is_read(monkeypatch):
    """The 4 million rows under a header missing a column: the refusal names the header, not
    the row count, after the sheet's first chunk (a few thousand of its 16 million XML
    elements) was parsed."""
    elements = []
    parse_element = import_files._SheetReader.start
    monkeypatch.setattr(
        import_files._SheetReader,
        "start",
        lambda self, *element: elements.append(1) or parse_element(self, *element),
    )
    header = [c for c in COLUMNS if c != "hs_code"] + ["colour"]
    content = xlsx_bytes(sheet=sheet_xml(header, repeated(X_ROW, FOUR_MILLION)))
    refused = refusal(content, "listings.xlsx")
    assert refused.code == HubsErrorCode.IMPORT_COLUMNS
    assert "Missing columns: hs_code." in refused.message
    assert "Unknown columns: colour." in refused.message
    assert len(elements) < 20_000


def test_a_csv_with_a_wrong_header_is_refused_before_its_damaged_rows_are_read():
    header = [c for c in COLUMNS if c not in ("stock", "unit_price")]
    content = csv_bytes(2000, header=header) + b"\xff\xfe not UTF-8\n"
    refused = refusal(content, "listings.csv")
    assert refused.code == HubsErrorCode.IMPORT_COLUMNS
    assert "Missing columns: stock, unit_price." in refused.message


def test_the_portal_refuses_a_wrong_header_at_once(client, seller_owner):
    client.force_login(seller_owner)
    header = [*COLUMNS, "sku"]
    upload = SimpleUploadedFile("listings.csv", csv_bytes(3, header=header))
    response = client.post("/products/imports/", {"file": upload})
    assert response.status_code == 200
    assert "Columns named twice: sku." in response.content.decode()
    assert not ProductImport.objects.exists()


def test_the_task_refuses_a_wrong_header_it_was_given(seller_owner):
    seller = seller_owner.memberships.get().organization
    content = csv_bytes(3, header=[c for c in COLUMNS if c != "sku"])
    job = ProductImport.objects.create(
        seller=seller, original_name="l.csv", file=SimpleUploadedFile("l.csv", content)
    )
    job = product_import_run(import_id=job.pk)
    assert (job.status, job.created_count) == ("failed", 0)
    assert "Missing columns: sku." in job.failure


# --- zip bombs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strings", "repeat"),
    [
        (b"<si><t>a</t></si>", 3 * MB),  # 51 MB unpacked, over the 32 MB the table may take
        (b"<si><t>ab</t></si>", 300_000),  # 5 MB, but packed more than 100 to 1
    ],
)
def test_a_zip_bomb_of_shared_strings_is_refused_from_the_zip_directory(
    monkeypatch, strings, repeat
):
    content = xlsx_bytes(
        sheet=sheet_xml(COLUMNS),
        shared_strings=shared_strings_xml(repeated(strings, repeat)),
    )
    assert len(content) < 300 * 1024
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile,
        "open",
        lambda self, name, *a, **k: opened.append(name) or real_open(self, name, *a, **k),
    )
    refused = refusal(content, "listings.xlsx")
    assert refused.code == HubsErrorCode.IMPORT_TOO_LARGE
    assert "sharedStrings.xml unpacks to" in refused.message
    assert "xl/sharedStrings.xml" not in opened  # refused from what the directory declares


def test_a_workbook_unpacking_past_the_limit_is_refused_unread(monkeypatch):
    monkeypatch.setattr(import_files, "MAX_UNPACKED_BYTES", 8 * MB)
    content = xlsx_bytes(sheet=sheet_xml(COLUMNS, repeated(X_ROW, 200_000)))
    refused = refusal(content, "listings.xlsx")
    assert refused.code == HubsErrorCode.IMPORT_TOO_LARGE
    assert "unpacks to more than 8 MB" in refused.message


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (
            xlsx_bytes(sheet=sheet_xml(COLUMNS, [b"<row>" + b"<c/>" * 150_000 + b"</row>"])),
            "l.xlsx",
        ),
        (xlsx_bytes(sheet=sheet_xml(COLUMNS, repeated(b"<row/>", 150_000))), "l.xlsx"),
        (b"\n" * 20_000 + ",".join(COLUMNS).encode(), "l.csv"),
        (csv_bytes(10) + b",,,\n" * 20_000, "l.csv"),
    ],
    ids=["a row of 150,000 cells", "150,000 blank rows", "20,000 blank lines first", "and last"],
)
def test_blank_rows_and_cells_nobody_reads_are_refused_on_a_budget(content, name):
    refused = refusal(content, name)
    assert refused.code == HubsErrorCode.IMPORT_TOO_LARGE
    assert "far more blank rows or cells than its listings need" in refused.message


# --- the row cap for CSV ------------------------------------------------------------------


def test_a_csv_over_the_row_cap_is_refused_and_nothing_is_imported(seller_owner):
    seller = seller_owner.memberships.get().organization
    content = csv_bytes(settings.PRODUCT_IMPORT_MAX_ROWS + 1)
    job = ProductImport.objects.create(
        seller=seller, original_name="big.csv", file=SimpleUploadedFile("big.csv", content)
    )
    job = product_import_run(import_id=job.pk)
    assert job.status == "failed"
    assert job.failure.startswith("The file has more than 50,000 rows")
    assert not Product.objects.exists()


def test_the_row_cap_counts_rows_with_something_in_them(settings):
    settings.PRODUCT_IMPORT_MAX_ROWS = 3
    assert len(rows_of(csv_bytes(3) + b",,,\n\n", "l.csv")) == 3  # blank lines are no rows
    refused = refusal(csv_bytes(4), "l.csv")
    assert refused.code == HubsErrorCode.IMPORT_TOO_MANY_ROWS
    assert refused.extra == {"field": "file", "limit": 3}
    sheet = sheet_xml(COLUMNS, [inline_row(["A"])] * 3 + [b'<row r="900"/>'])
    assert len(rows_of(xlsx_bytes(sheet=sheet), "l.xlsx")) == 3
    sheet = sheet_xml(COLUMNS, [inline_row(["A"])] * 4)
    assert refusal(xlsx_bytes(sheet=sheet), "l.xlsx").code == HubsErrorCode.IMPORT_TOO_MANY_ROWS


def test_the_refusal_is_in_the_sellers_language(settings):
    from django.utils import translation

    settings.PRODUCT_IMPORT_MAX_ROWS = 1
    with translation.override("ms"):
        assert "lebih daripada 1 baris" in refusal(csv_bytes(2), "l.csv").message
    with translation.override("zh-hans"):
        assert "超过 1 行" in refusal(csv_bytes(2), "l.csv").message


# --- damaged files ------------------------------------------------------------------------


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _entities() -> bytes:
    """A sheet whose DTD would grow one entity into a billion."""
    lol = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">{lol}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData>'
        "</worksheet>"
    )
    return xlsx_bytes(sheet=[sheet.encode()])


def _many_members() -> bytes:
    """A zip whose directory lists 30,000 members (zipfile would hold one object each)."""
    return _zip({f"xl/media/{n:08d}-padding-padding.png": b"" for n in range(30_000)})


VALID = xlsx_bytes(sheet=sheet_xml(COLUMNS, [inline_row(["A"])]))


@pytest.mark.parametrize(
    ("content", "name", "code", "message"),
    [
        (b"not a zip", "l.xlsx", "import_file_unreadable", "not a readable .xlsx"),
        (b"sku,title_en\n", "l.xlsx", "import_file_unreadable", "not a readable .xlsx"),
        (VALID[: len(VALID) // 2], "l.xlsx", "import_file_unreadable", "not a readable"),
        (_zip({"a.txt": b"hello"}), "l.xlsx", "import_file_unreadable", "not a readable"),
        (_zip({"a.txt": b"x"}, zipfile.ZIP_BZIP2), "l.xlsx", "import_file_unreadable", ""),
        (_many_members(), "l.xlsx", "import_file_unreadable", "not a readable"),
        (_entities(), "l.xlsx", "import_file_unreadable", "not a readable"),
        (
            xlsx_bytes(sheet=[b"<worksheet><sheetData><row><c>"]),
            "l.xlsx",
            "import_file_unreadable",
            "not a readable",
        ),
        (
            xlsx_bytes(sheet=sheet_xml(COLUMNS, [b'<row><c t="s"><v>7</v></c></row>'])),
            "l.xlsx",
            "import_file_unreadable",
            "not a readable",
        ),
        (
            xlsx_bytes(sheet=sheet_xml(COLUMNS, [inline_row(["y" * 140_000])])),
            "l.xlsx",
            "import_too_large",
            "Line 2 has a cell longer than 131,072 characters.",
        ),
        (VALID, "l.csv", "import_file_unreadable", "not UTF-8"),
        (
            b'sku,"' + b"x" * 140_000 + b'"\n',
            "l.csv",
            "import_file_unreadable",
            "cannot be read at line 1: field larger than field limit",
        ),
        (b"sku," + b"x" * (3 * MB), "l.csv", "import_too_large", "Line 1 is longer than"),
        (b"\n\n  \n", "l.csv", "import_file_unreadable", "The file is empty."),
    ],
)
def test_a_damaged_file_is_refused_with_a_message(content, name, code, message):
    refused = refusal(content, name)
    assert refused.code == code
    assert message in refused.message
    assert refused.extra["field"] == "file"


def test_a_damaged_file_ends_the_task_with_the_reason_not_a_crash(seller_owner):
    seller = seller_owner.memberships.get().organization
    job = ProductImport.objects.create(
        seller=seller, original_name="l.xlsx", file=SimpleUploadedFile("l.xlsx", _entities())
    )
    job = product_import_run(import_id=job.pk)
    assert job.status == "failed"
    assert "not a readable .xlsx workbook" in job.failure


def test_a_token_that_never_ends_is_refused_before_the_parser_rescans_it():
    """Expat before 2.6 scans an unfinished token again with every chunk it is fed: a 64 MB
    attribute in a 64 KiB upload would cost minutes. Refused once it passes a megabyte."""
    endless = repeated(b"A" * 65536, 512)  # 32 MiB of one attribute value: 5 s unguarded
    content = xlsx_bytes(sheet=[b'<worksheet><sheetData><row r="1" x="', *endless])
    assert len(content) < 200 * 1024

    started = time.monotonic()
    refused = refusal(content, "l.xlsx")

    assert time.monotonic() - started < 3
    assert refused.code == HubsErrorCode.IMPORT_FILE_UNREADABLE
