"""The rows of a listing file after its header, CSV or XLSX (``listing_rows``), and the
reading of a CSV file."""

import csv
import io
from collections import Counter
from collections.abc import Iterator

from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError

from ..errors import HubsErrorCode
from .limits import (
    CSV_LINES_FIRST,
    CSV_LINES_PER_ROW,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    Budget,
    Row,
    grouped,
    refusal,
)
from .xlsx import xlsx_rows

# The longest CSV line: every column of a row at its longest.
MAX_LINE_CHARS = 16 * MAX_CELL_CHARS


def listing_rows(
    source, *, kind: str, columns: list[str], required: set[str], max_rows: int
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, column → text) for every row with something in it after the header.

    ``source`` is a seekable binary file, read from its start; ``kind`` is "csv" or "xlsx".
    The header is checked when the first row is asked for; the rows are counted as they are
    read and the file is refused on row ``max_rows + 1``. Refusals are ``ApplicationError``s
    with the file as their field.
    """
    source.seek(0)
    table = _csv_rows(source) if kind == "csv" else xlsx_rows(source)
    try:
        first = next(table, None)
        if first is None:
            raise refusal(_("The file is empty."), HubsErrorCode.IMPORT_FILE_UNREADABLE)
        header = _header_check(first[1], columns=columns, required=required)
        for count, (line, cells) in enumerate(table, start=1):
            if count > max_rows:
                raise _too_many_rows(max_rows)
            yield line, {name: cell for name, cell in zip(header, cells, strict=False) if name}
    finally:
        table.close()


def _header_check(cells: list[str], *, columns: list[str], required: set[str]) -> list[str]:
    """The header's column names, lower-cased; refused when one is missing, unknown or
    named twice, naming each, so the seller fixes the header once instead of row by row."""
    names = [cell.strip().lower() for cell in cells]
    present = [name for name in names if name]
    missing = sorted(required - set(present))
    unknown = [name[:40] for name in present if name not in columns]
    twice = sorted(name for name, count in Counter(present).items() if count > 1)
    if not (missing or unknown or twice):
        return names
    problems = []
    if missing:
        problems.append(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown[:10])})
    if twice:
        problems.append(_("Columns named twice: %(names)s.") % {"names": ", ".join(twice)})
    problems.append(_("The first row names the columns: %(names)s.") % {"names": ",".join(columns)})
    raise ApplicationError(
        " ".join(problems), HubsErrorCode.IMPORT_COLUMNS, extra={"field": "file"}
    )


def _csv_rows(source) -> Iterator[Row]:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    records = csv.reader(_bounded_lines(text))
    budget = Budget(CSV_LINES_FIRST, CSV_LINES_PER_ROW)
    try:
        for line, record in enumerate(records, start=1):
            budget.spend()
            cells = [cell.strip() for cell in record[:MAX_COLUMNS]]
            if any(cells):
                budget.earn()
                yield line, cells
    except UnicodeDecodeError:
        raise refusal(
            _("The CSV file is not UTF-8 text. Save it as “CSV UTF-8”."),
            HubsErrorCode.IMPORT_FILE_UNREADABLE,
        ) from None
    except csv.Error as exc:
        raise refusal(
            _("The CSV file cannot be read at line %(line)s: %(reason)s.")
            % {"line": records.line_num, "reason": exc},
            HubsErrorCode.IMPORT_FILE_UNREADABLE,
        ) from None
    finally:
        text.detach()  # the caller's file stays open: it reads it again to import


def _bounded_lines(text) -> Iterator[str]:
    """The file's lines, refusing one too long to be a listing before it is held whole."""
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise refusal(
                _("Line %(line)s is longer than %(limit)s characters.")
                % {"line": number, "limit": grouped(MAX_LINE_CHARS)},
                HubsErrorCode.IMPORT_TOO_LARGE,
            )
        yield line


def _too_many_rows(limit: int) -> ApplicationError:
    return refusal(
        _(
            "The file has more than %(limit)s rows: at most %(limit)s listings are imported "
            "from one file. Split it into several files; nothing was imported."
        )
        % {"limit": grouped(limit)},
        HubsErrorCode.IMPORT_TOO_MANY_ROWS,
        limit=limit,
    )
