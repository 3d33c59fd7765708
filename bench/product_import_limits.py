"""Refusing a hostile listing file: a 558 KiB XLSX whose sheet is 4,000,000 one-cell rows
(192 MB of XML), on PostgreSQL. Time for the import task to refuse it for the row cap, next
to a baseline of the same task importing a valid 10-row XLSX, and the peak resident memory
of a process that reads each file with the import's reader.

Peak memory is VmHWM, the high-water mark of the reading process's own address space
(tests/listing_files.py says why not ru_maxrss).
"""

import tempfile
import time
import zipfile
from pathlib import Path

from harness import run_benchmark, timed

ROWS = 4_000_000
GOAL_SECONDS = 5
GOAL_MB = 200


def run():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hubs.models import Product, ProductImport
    from hubs.services.imports import COLUMNS, product_import_run
    from tests import factories
    from tests.listing_files import (
        GOOD_LISTING,
        X_ROW,
        inline_row,
        read_in_a_subprocess,
        repeated,
        sheet_xml,
        workbook,
    )

    kul, _hgh = factories.open_eroads()
    seller = factories.SellerFactory(home_hub=kul)
    owner = factories.member(seller)
    folder = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    hostile, small = folder / "hostile.xlsx", folder / "small.xlsx"
    workbook(hostile, sheet=sheet_xml(COLUMNS, repeated(X_ROW, ROWS)))
    listing = {**GOOD_LISTING, "sku": "BTK-{n:03d}"}
    rows = [inline_row([listing.get(c, "").format(n=n) for c in COLUMNS]) for n in range(10)]
    workbook(small, sheet=sheet_xml(COLUMNS, rows))
    with zipfile.ZipFile(hostile) as archive:
        unpacked = sum(m.file_size for m in archive.infolist())
    print(
        f"product import limits  {ROWS:,}-row XLSX: {hostile.stat().st_size / 1024:,.0f} KiB, "
        f"{unpacked / 2**20:,.0f} MiB unpacked; PostgreSQL"
    )
    print(f"  set-up        {time.perf_counter() - started:6.2f} s (files written, not measured)")

    def task_on(path: Path):
        def once():
            job = ProductImport.objects.create(
                seller=seller,
                uploaded_by=owner,
                original_name=path.name,
                file=SimpleUploadedFile(path.name, path.read_bytes()),
            )
            return product_import_run(import_id=job.pk)

        return once

    baseline = timed(task_on(small))
    refuse = timed(task_on(hostile))
    job = ProductImport.objects.filter(original_name=hostile.name).last()
    small_verdict, small_mb = read_in_a_subprocess(small)
    verdict, peak_mb = read_in_a_subprocess(hostile)
    print(
        f"  baseline      {baseline:6.2f} s   the task importing a valid 10-row XLSX "
        f"(peak RSS of a reader {small_mb:.0f} MB, {small_verdict})"
    )
    print(
        f"  refuse        {refuse:6.2f} s   ratio {refuse / baseline:.2f}x   "
        f"status {job.status}, products {Product.objects.count()} (the 10 of the baseline): "
        f"{job.failure[:60]}..."
    )
    print(f"  peak RSS      {peak_mb:6.0f} MB  of a process reading it ({verdict})")
    print(
        f"  target: refused under {GOAL_SECONDS} s "
        f"({'met' if refuse < GOAL_SECONDS else 'NOT met'}), "
        f"peak RSS under {GOAL_MB} MB ({'met' if peak_mb < GOAL_MB else 'NOT met'})"
    )


if __name__ == "__main__":
    run_benchmark(run)
