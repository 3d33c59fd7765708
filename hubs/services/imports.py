"""Bulk import of listings from CSV or XLSX.

The upload's header is checked while the seller waits; the file is stored and a Celery task
processes it after commit. The task reads the file twice, as a stream (hubs/import_files/):
once to the end to refuse a damaged file, a wrong header or one over the row cap before
anything is written, then to import. Rows are validated by the same ProductForm as the
portal; good rows are upserted by SKU in batches (so a re-upload updates instead of
duplicating), bad rows are recorded with line, field and reason. Progress is written after
every batch, for the page's progress bar. Re-running the task (a retry, a redelivery after a
crash) starts again from the file and converges to the same result.
"""

import csv
import io
import logging
from collections.abc import Iterator
from contextlib import closing
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from openpyxl import Workbook

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.states import state_change

from ..errors import HubsErrorCode
from ..forms.catalogue import ProductForm
from ..hs import hs_subheadings
from ..import_files.rows import listing_rows
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
# the audit action of each move of an import
ACTIONS = {
    ProductImport.Status.RUNNING: "hubs.product_import.picked_up",
    ProductImport.Status.DONE: "hubs.product_import.finished",
    ProductImport.Status.FAILED: "hubs.product_import.failed",
}


def product_import_start(*, seller: Organization, actor: User, upload) -> ProductImport:
    if not can_act_for(actor, seller, Perm.CATALOGUE_MANAGE):
        raise NotAllowedError(
            _("Only members of the seller import its listings."), HubsErrorCode.NOT_MEMBER
        )
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ApplicationError(
            _("Upload a .csv or .xlsx file."),
            HubsErrorCode.PRODUCT_INVALID,
            extra={"field": "file"},
        )
    if upload.size > settings.PRODUCT_IMPORT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(size)s MB.")
            % {"size": settings.PRODUCT_IMPORT_MAX_BYTES // 2**20},
            HubsErrorCode.PRODUCT_INVALID,
            extra={"field": "file"},
        )
    _check_header(upload)
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
            failure=_(
                "The import stopped on an unexpected error; rows before it are saved. Upload "
                "the file again to finish it."
            ),
        )


def product_import_transition(
    *,
    product_import: ProductImport,
    to: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    data: dict | None = None,
    failure: str = "",
) -> tuple[ProductImport, bool]:
    """Move an import along ProductImport.TRANSITIONS (ewtp.common.states); return the
    locked import and whether it moved. Its end (done or failed) is stamped, with
    ``failure`` as the reason a failed one gives the seller."""

    def implied(locked: ProductImport, before: str) -> list[str]:
        if to not in (ProductImport.Status.DONE, ProductImport.Status.FAILED):
            return []
        locked.failure, locked.finished_at = failure, timezone.now()
        return ["failure", "finished_at"]

    return state_change(
        product_import,
        to,
        refusal=_refusal,
        action=ACTIONS[ProductImport.Status(to)],
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        apply=implied,
    )


def _refusal(product_import: ProductImport, to: str) -> ConflictError:
    return ConflictError(
        _("The import is %(status)s; it cannot become %(to)s.")
        % {
            "status": product_import.get_status_display(),
            "to": ProductImport.Status(to).label,
        },
        HubsErrorCode.PRODUCT_IMPORT_TRANSITION,
    )


def _run(job) -> ProductImport:
    with job.file.open("rb") as source:
        total = _count_rows(source, job.file.name)
        ProductImportError.objects.filter(product_import=job).delete()
        with transaction.atomic():
            ProductImport.objects.filter(pk=job.pk).update(
                total_rows=total,
                processed_rows=0,
                created_count=0,
                updated_count=0,
                error_count=0,
            )
            _job, moved = product_import_transition(
                product_import=job, to=ProductImport.Status.RUNNING, data={"rows": total}
            )
            if not moved:  # a redelivered task starts the file again: a second row says so
                audit_record(
                    actor=None,
                    action=ACTIONS[ProductImport.Status.RUNNING],
                    target=job,
                    data={"from": job.status, "rows": total},
                )
        job.refresh_from_db()
        seen: dict[str, int] = {}
        with closing(product_import_rows(source, name=job.file.name)) as rows:
            while batch := list(islice(rows, BATCH)):
                _import_batch(job, batch, seen)
    return _finish(job)


def _finish(job, failure: str = "") -> ProductImport:
    job, _moved = product_import_transition(
        product_import=job,
        to=ProductImport.Status.FAILED if failure else ProductImport.Status.DONE,
        reason=failure,
        failure=failure,
        data={
            "created": job.created_count,
            "updated": job.updated_count,
            "errors": job.error_count,
        },
    )
    return job


def product_import_rows(source, *, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line as the seller sees it, column → text) of each row of a listing file, read as a
    stream in bounded memory; refused as a whole (ApplicationError) for a wrong header, more
    than PRODUCT_IMPORT_MAX_ROWS rows, or a damaged or oversized file."""
    return listing_rows(
        source,
        kind="xlsx" if name.lower().endswith(".xlsx") else "csv",
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        max_rows=settings.PRODUCT_IMPORT_MAX_ROWS,
    )


def _check_header(upload) -> None:
    """Refuse, while the seller waits, a file that cannot be opened or whose header is wrong:
    only the start of the file is read (the rows are counted by the task)."""
    try:
        with closing(product_import_rows(upload, name=upload.name)) as rows:
            next(rows, None)
    finally:
        upload.seek(0)


def _count_rows(source, name: str) -> int:
    """Read the whole file once before anything is written, so a file refused for its
    header, its row count or a damaged part ends the import with nothing half-imported."""
    with closing(product_import_rows(source, name=name)) as rows:
        return sum(1 for _row in rows)


def _import_batch(job, batch, seen) -> None:
    existing = {
        p.sku: p
        for p in Product.objects.filter(
            seller=job.seller, sku__in=[r.get("sku", "") for _line, r in batch]
        )
    }
    create, update, errors = [], [], []
    for line, row in batch:
        # every problem of the row at once: a seller fixes the file in one go
        problems = _row_problems(row, seen, line)
        form = _row_form(job.seller, row, existing.get(row.get("sku", "")))
        if not form.is_valid():
            problems += [
                ("" if field == "__all__" else field, problem["message"])
                for field, found in form.errors.get_json_data().items()
                for problem in found
                if field not in {name for name, _message in problems}
            ]
        seen.setdefault(row.get("sku", ""), line)
        if problems:
            errors += [
                ProductImportError(
                    product_import=job, line=line, field=field, message=message[:300]
                )
                for field, message in problems
            ]
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
        job.error_count += len({error.line for error in errors})  # rows, not messages
        job.save(
            update_fields=[
                "processed_rows",
                "created_count",
                "updated_count",
                "error_count",
                "updated_at",
            ]
        )


# The example row of the downloadable template: a listing the import takes as it is.
TEMPLATE_EXAMPLE = {
    "sku": "BTK-001",
    "title_en": "Hand-drawn batik silk scarf",
    "title_ms": "Selendang sutera batik lukis tangan",
    "title_zh": "手绘蜡染真丝围巾",
    "description_en": "Silk, 180 x 50 cm, hand-drawn batik from Terengganu.",
    "description_ms": "",
    "description_zh": "",
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


def import_template(kind: str) -> bytes:
    """The import file to fill in, as CSV (UTF-8 with a BOM, so spreadsheets read the
    Chinese and Malay right) or XLSX: the columns and one example row."""
    example = [TEMPLATE_EXAMPLE.get(column, "") for column in COLUMNS]
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerows([COLUMNS, example])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = Workbook()
    sheet = book.active
    sheet.title = "listings"
    sheet.append(COLUMNS)
    sheet.append(example)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row_problems(row: dict, seen: dict, line: int) -> list[tuple[str, str]]:
    """What the listing form cannot say of a row: a SKU met earlier in the file, an
    is_active that is not yes or no, a country of origin that is neither a code nor a name."""
    problems = []
    sku = row.get("sku", "")
    if sku in seen:
        problems.append(
            ("sku", _("Duplicate SKU in this file (first on line %(line)s).") % {"line": seen[sku]})
        )
    if row.get("is_active", "").lower() not in TRUE | FALSE:
        problems.append(("is_active", _("Write yes or no.")))
    origin = row.get("origin_country", "").strip()
    if len(origin) > 2 and not countries.by_name(origin):
        problems.append(
            (
                "origin_country",
                _("Write the country of origin as its code (MY, CN) or its English name."),
            )
        )
    return problems


def _is_subheading(code: str) -> bool:
    return len(code) == 6 and code in hs_subheadings()


def _row_form(seller, row, instance) -> ProductForm:
    data = dict(row)
    hs = data.get("hs_code", "")
    if hs.isascii() and hs.isdigit() and len(hs) in (5, 7, 9) and not _is_subheading(hs[:6]):
        data["hs_code"] = "0" + hs  # the leading zero a spreadsheet dropped
    data["is_active"] = data.get("is_active", "").lower() in TRUE
    origin = data.get("origin_country", "").strip()
    if len(origin) > 2:
        data["origin_country"] = countries.by_name(origin) or origin  # "Malaysia" is MY
    return ProductForm(data=data, seller=seller, instance=instance, check_unique=False)
