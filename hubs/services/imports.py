"""Bulk import of listings from CSV or XLSX.

The upload is stored and a Celery task processes it after commit. Rows are validated by the
same ProductForm as the portal; good rows are upserted by SKU in batches (so a re-upload
updates instead of duplicating), bad rows are recorded with line, field and reason. Progress
is written after every batch, for the page's progress bar. Re-running the task (a retry, a
redelivery after a crash) starts again from the file and converges to the same result.
"""

import csv
import io
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, NotAllowedError

from ..errors import HubsErrorCode
from ..forms.catalogue import ProductForm
from ..hs import hs_subheadings
from ..models import Organization, Product, ProductImport, ProductImportError, User
from ..roles import Perm, can_act_for

logger = logging.getLogger(__name__)

BATCH = 500
# The columns of a file are the listing form's fields (the image is not imported).
COLUMNS = [name for name in ProductForm.field_order if name not in ("image", "stock_seen")]
REQUIRED_COLUMNS = {
    "sku",
    "title_en",
    "description_en",
    "hs_code",
    "origin_country",
    "unit_price",
    "unit_weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "stock",
}
UPDATABLE = [c for c in COLUMNS if c != "sku"] + ["unit_price_currency"]
TRUE, FALSE = {"", "1", "true", "yes", "y", "active"}, {"0", "false", "no", "n", "inactive"}


def product_import_start(*, seller: Organization, actor: User, upload) -> ProductImport:
    if not can_act_for(actor, seller, Perm.CATALOGUE_MANAGE):
        raise NotAllowedError("Only members of the seller import its listings.", "not_member")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ApplicationError(
            "Upload a .csv or .xlsx file.", HubsErrorCode.PRODUCT_INVALID, extra={"field": "file"}
        )
    if upload.size > settings.PRODUCT_IMPORT_MAX_BYTES:
        raise ApplicationError(
            f"The file is larger than {settings.PRODUCT_IMPORT_MAX_BYTES // 2**20} MB.",
            HubsErrorCode.PRODUCT_INVALID,
            extra={"field": "file"},
        )
    with transaction.atomic():
        job = ProductImport(seller=seller, uploaded_by=actor, original_name=upload.name[:200])
        job.file.save(f"import{suffix}", upload, save=False)
        job.save()
        audit_record(
            actor=actor,
            action="hubs.product_import.started",
            target=job,
            data={"file": job.original_name},
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from ..tasks import product_import_task

    product_import_task.delay(job_id)


def product_import_run(*, import_id: int) -> ProductImport:
    """Process an import. Whatever goes wrong ends it as FAILED with the reason: an import
    never stays "importing" for ever with its progress bar polling."""
    job = ProductImport.objects.select_related("seller__home_hub").get(pk=import_id)
    if job.status in (ProductImport.Status.DONE, ProductImport.Status.FAILED):
        return job  # a duplicate delivery of the task
    try:
        return _run(job)
    except ApplicationError as exc:
        return _finish(job, failure=exc.message)
    except Exception:
        logger.exception("product import %s failed", job.pk)
        return _finish(
            job,
            failure="The import stopped on an unexpected error; rows before it are "
            "saved. Upload the file again to finish it.",
        )


def _run(job) -> ProductImport:
    rows = list(_read_rows(job))
    ProductImportError.objects.filter(product_import=job).delete()
    ProductImport.objects.filter(pk=job.pk).update(
        status=ProductImport.Status.RUNNING,
        total_rows=len(rows),
        processed_rows=0,
        created_count=0,
        updated_count=0,
        error_count=0,
    )
    job.refresh_from_db()
    seen: dict[str, int] = {}
    for start in range(0, len(rows), BATCH):
        _import_batch(job, rows[start : start + BATCH], seen)
    return _finish(job)


def _finish(job, failure: str = "") -> ProductImport:
    job.status = ProductImport.Status.FAILED if failure else ProductImport.Status.DONE
    job.failure, job.finished_at = failure, timezone.now()
    job.save(update_fields=["status", "failure", "finished_at", "updated_at"])
    return job


def _read_rows(job) -> list[tuple[int, dict]]:
    """(line number as the seller sees it, row as a dict of column → text)."""
    job.file.open("rb")
    try:
        raw = job.file.read()
    finally:
        job.file.close()
    if job.file.name.endswith(".xlsx"):
        table = _xlsx_rows(raw)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApplicationError(
                "The CSV file is not UTF-8 text. Save it as “CSV UTF-8”."
            ) from None
        try:
            table = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise ApplicationError(f"The CSV file cannot be read: {exc}.") from None
    if not table:
        raise ApplicationError("The file is empty.")
    header = [str(cell or "").strip().lower() for cell in table[0]]
    missing = REQUIRED_COLUMNS - set(header)
    if missing:
        raise ApplicationError(
            f"Missing columns: {', '.join(sorted(missing))}. Expected: {', '.join(COLUMNS)}."
        )
    if len(table) - 1 > settings.PRODUCT_IMPORT_MAX_ROWS:
        raise ApplicationError(f"At most {settings.PRODUCT_IMPORT_MAX_ROWS} rows per file.")
    return [
        (
            index,
            {name: _text(cell) for name, cell in zip(header, row, strict=False) if name in COLUMNS},
        )
        for index, row in enumerate(table[1:], start=2)
        if any(_text(cell) for cell in row)
    ]


def _xlsx_rows(raw: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        # openpyxl reads lazily: a damaged sheet only shows while its rows are read
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception:
        raise ApplicationError("The file is not a readable .xlsx workbook.") from None


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # spreadsheets turn 090111 into 90111.0; HS codes are fixed below
    return str(cell).strip()


def _import_batch(job, batch, seen) -> None:
    existing = {
        p.sku: p
        for p in Product.objects.filter(
            seller=job.seller, sku__in=[r.get("sku", "") for _, r in batch]
        )
    }
    create, update, errors = [], [], []
    for line, row in batch:
        sku = row.get("sku", "")
        if sku in seen:
            errors.append(
                ProductImportError(
                    product_import=job,
                    line=line,
                    field="sku",
                    message=f"Duplicate SKU in this file (first on line {seen[sku]}).",
                )
            )
            continue
        seen[sku] = line
        if row.get("is_active", "").lower() not in TRUE | FALSE:
            errors.append(
                ProductImportError(
                    product_import=job, line=line, field="is_active", message="Write yes or no."
                )
            )
            continue
        form = _row_form(job.seller, row, existing.get(sku))
        if not form.is_valid():
            for field, problems in form.errors.get_json_data().items():
                for problem in problems:
                    errors.append(
                        ProductImportError(
                            product_import=job,
                            line=line,
                            field="" if field == "__all__" else field,
                            message=problem["message"][:300],
                        )
                    )
            continue
        product = form.instance if form.instance.pk else Product(seller=job.seller)
        for name, value in form.product_data().items():
            setattr(product, name, value)
        (update if product.pk else create).append(product)
    with transaction.atomic():
        Product.objects.bulk_create(create)
        Product.objects.bulk_update(update, UPDATABLE)
        ProductImportError.objects.bulk_create(errors)
        job.processed_rows += len(batch)
        job.created_count += len(create)
        job.updated_count += len(update)
        job.error_count += len(errors)
        job.save(
            update_fields=[
                "processed_rows",
                "created_count",
                "updated_count",
                "error_count",
                "updated_at",
            ]
        )


def _is_subheading(code: str) -> bool:
    return len(code) == 6 and code in hs_subheadings()


def _row_form(seller, row, instance) -> ProductForm:
    data = dict(row)
    hs = data.get("hs_code", "")
    if hs.isascii() and hs.isdigit() and len(hs) in (5, 7, 9) and not _is_subheading(hs[:6]):
        data["hs_code"] = "0" + hs  # the leading zero a spreadsheet dropped
    data["is_active"] = data.get("is_active", "").lower() in TRUE
    return ProductForm(data=data, seller=seller, instance=instance, check_unique=False)
