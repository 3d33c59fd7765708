"""What a reader of a listing file may spend, and how a file is refused when it passes a
limit: as a whole, with a message the seller can act on, on the form's file field."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError

from ..errors import HubsErrorCode

Row = tuple[int, list[str]]  # (line number as the seller sees it, cells as text)

MB = 1024 * 1024
# Cells read per row. A listing has 16 columns; cells further right are never looked at.
MAX_COLUMNS = 64
# The longest cell, as csv's own default field limit (Excel stops at 32,767 characters).
MAX_CELL_CHARS = 131_072
# The reading budget: the XML elements of a sheet, or the lines of a CSV file, read before
# the first row with something in it (a sheet's preamble and a few title rows fit), and more
# for each such row. A listing row is 30 to 50 elements (row, cells, values); 128 leave room
# for styled empty cells. Expat with its handlers takes about 1 µs an element: a sheet can
# cost at most about 6 s for its 50,000 rows, and 0.1 s before its header.
SHEET_ELEMENTS_FIRST = 100_000
SHEET_ELEMENTS_PER_ROW = 128
CSV_LINES_FIRST = 10_000
CSV_LINES_PER_ROW = 4


class Budget:
    """Work a reader may do: ``first`` units before the first row with something in it, and
    ``per_row`` more for each such row. Blank rows and cells nobody reads spend it; when it
    runs out the file is refused."""

    def __init__(self, first: int, per_row: int):
        self.left = first
        self.per_row = per_row

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise refusal(
                _(
                    "The file holds far more blank rows or cells than its listings need. Copy "
                    "the listings into a new file and upload that."
                ),
                HubsErrorCode.IMPORT_TOO_LARGE,
            )

    def earn(self) -> None:
        self.left += self.per_row


def refusal(message: str, code: HubsErrorCode, **extra) -> ApplicationError:
    """A file refused as a whole, on the form's file field."""
    return ApplicationError(message, code, extra={"field": "file", **extra})


def grouped(number: int) -> str:
    """A limit as the seller's language writes a large number."""
    return number_format(number, force_grouping=True)
