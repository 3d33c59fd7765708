"""The packing label of an order served from stock: 100 × 150 mm (a thermal printer's standard
size, as the parcel label of logistics/documents.py), with the domestic courier's waybill as
a Code 128 barcode the courier's scanners read."""

import io

from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ewtp.common.errors import ConflictError

from .errors import WarehousingErrorCode
from .models import Fulfilment

LABEL_SIZE = (100 * mm, 150 * mm)
# the goods are (or were) packed under the waybill: before that there is no parcel to put a
# label on
LABELLED = frozenset(
    {
        Fulfilment.Status.PACKED,
        Fulfilment.Status.DISPATCHED,
        Fulfilment.Status.DELIVERED,
        Fulfilment.Status.RETURNED,
    }
)
MAX_ITEM_LINES = 6
# Helvetica has no Chinese glyphs, and a consumer at a Chinese hub writes their name and
# address in Chinese: such a line is set in Adobe's Song CID font, which PDF readers carry
# (as customs/documents.py does), so nothing is embedded.
CJK_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _draw(pdf, x: float, y: float, text: str, size: int = 9) -> None:
    font = CJK_FONT if any(ord(char) >= 0x2E80 for char in text) else "Helvetica"
    pdf.setFont(font, size)
    pdf.drawString(x, y, text[:60])


def packing_label_pdf(fulfilment: Fulfilment, *, lines) -> bytes:
    """The warehouse the goods leave (and, bonded, the retail import that released them), the
    consumer's name and address, what is in the parcel, and the waybill. A 409 before the
    goods are packed."""
    if fulfilment.status not in LABELLED:
        raise ConflictError(
            _("%(waybill)s is not packed yet: its label is printed once it is picked and packed.")
            % {"waybill": fulfilment.waybill},
            WarehousingErrorCode.FULFILMENT_STATE,
        )
    order, warehouse = fulfilment.order, fulfilment.warehouse
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LABEL_SIZE)
    pdf.setTitle(f"Label {fulfilment.waybill}")
    width, height = LABEL_SIZE
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawString(6 * mm, height - 18 * mm, warehouse.hub.code)
    pdf.setFont("Helvetica", 9)
    pdf.drawRightString(width - 6 * mm, height - 12 * mm, warehouse.code)
    pdf.drawRightString(width - 6 * mm, height - 17 * mm, "domestic delivery")
    pdf.line(4 * mm, height - 22 * mm, width - 4 * mm, height - 22 * mm)
    sender = [warehouse.name]
    if warehouse.is_bonded:
        sender.append(f"bonded site {warehouse.customs_site_code or '-'}")
        if fulfilment.release_declaration:
            sender.append(f"released under {fulfilment.release_declaration}")
    y = height - 28 * mm
    for title, rows in (
        ("FROM", sender),
        ("TO", [order.consumer_name or order.buyer_label, *order.delivery_address_lines]),
    ):
        pdf.setFont("Helvetica-Bold", 8)
        pdf.drawString(6 * mm, y, title)
        for row in rows[:4]:
            y -= 4.5 * mm
            _draw(pdf, 6 * mm, y, row)
        y -= 6 * mm
    pdf.setFont("Helvetica-Bold", 8)
    pdf.drawString(6 * mm, y, f"ORDER {order.reference}")
    pdf.setFont("Helvetica", 8)
    for line in lines[:MAX_ITEM_LINES]:
        y -= 4 * mm
        pdf.drawString(6 * mm, y, f"{line.quantity} x {line.sku}"[:60])
    if len(lines) > MAX_ITEM_LINES:
        y -= 4 * mm
        pdf.drawString(6 * mm, y, f"+ {len(lines) - MAX_ITEM_LINES} more lines")
    barcode = code128.Code128(fulfilment.waybill, barHeight=20 * mm, barWidth=0.38 * mm)
    barcode.drawOn(pdf, (width - barcode.width) / 2, 18 * mm)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawCentredString(width / 2, 10 * mm, fulfilment.waybill)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
