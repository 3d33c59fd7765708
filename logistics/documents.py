"""Printed documents: the 100 × 150 mm parcel label (a thermal printer's standard size) with
the waybill as a Code 128 barcode, and a flight's manifest as PDF and CSV."""

import csv
import io

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .models import Flight, Parcel

LABEL_SIZE = (100 * mm, 150 * mm)


def label_pdf(parcel: Parcel) -> bytes:
    """Sender, receiver, origin and destination hub codes, e-road, weight, and the waybill's
    barcode that the hub's scanners read."""
    order = parcel.order
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LABEL_SIZE)
    pdf.setTitle(f"Label {parcel.waybill}")
    width, height = LABEL_SIZE
    origin, destination = parcel.eroad.origin.code, parcel.eroad.destination.code
    pdf.setFont("Helvetica-Bold", 44)
    pdf.drawString(6 * mm, height - 22 * mm, origin)
    pdf.drawRightString(width - 6 * mm, height - 22 * mm, destination)
    pdf.setFont("Helvetica", 9)
    pdf.drawCentredString(width / 2, height - 16 * mm, f"e-road {origin} → {destination}")
    pdf.line(4 * mm, height - 27 * mm, width - 4 * mm, height - 27 * mm)
    y = height - 33 * mm
    for title, lines in (
        ("FROM", [order.seller.legal_name, f"via {parcel.facility.name}"]),
        ("TO", [order.buyer_label, *order.delivery_address_lines]),
    ):
        pdf.setFont("Helvetica-Bold", 8)
        pdf.drawString(6 * mm, y, title)
        pdf.setFont("Helvetica", 9)
        for line in lines[:4]:
            y -= 4.5 * mm
            pdf.drawString(6 * mm, y, line[:60])
        y -= 7 * mm
    pdf.setFont("Helvetica", 9)
    pdf.drawString(
        6 * mm,
        y,
        f"Order {order.reference}   {parcel.declared_weight_kg} kg   "
        f"{parcel.length_cm}×{parcel.width_cm}×{parcel.height_cm} cm",
    )
    barcode = code128.Code128(parcel.waybill, barHeight=22 * mm, barWidth=0.38 * mm)
    barcode.drawOn(pdf, (width - barcode.width) / 2, 20 * mm)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawCentredString(width / 2, 12 * mm, parcel.waybill)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


MANIFEST_COLUMNS = ["house_waybill", "order", "origin", "destination", "pieces", "weight_kg"]


def manifest_rows(flight: Flight, parcels) -> list[list[str]]:
    return [
        [
            p.waybill,
            p.order.reference,
            flight.eroad.origin.code,
            flight.eroad.destination.code,
            "1",
            str(p.weight_kg),
        ]
        for p in parcels
    ]


def manifest_csv(flight: Flight, parcels) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MANIFEST_COLUMNS)
    writer.writerows(manifest_rows(flight, parcels))
    return out.getvalue()


def manifest_pdf(flight: Flight, parcels) -> bytes:
    """The consolidation under its master air waybill: one line per house waybill."""
    rows = manifest_rows(flight, parcels)
    buffer = io.BytesIO()
    size = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=size)
    pdf.setTitle(f"Manifest {flight.number} {flight.master_waybill_display}")

    def header(page: int):
        pdf.setFont("Helvetica-Bold", 13)
        pdf.drawString(
            15 * mm,
            size[1] - 15 * mm,
            f"Cargo manifest  MAWB {flight.master_waybill_display or '—'}  flight {flight.number}",
        )
        pdf.setFont("Helvetica", 9)
        departs = flight.departs_at.astimezone(flight.eroad.origin.zone)
        pdf.drawString(
            15 * mm,
            size[1] - 21 * mm,
            f"{flight.eroad.origin.code} {departs:%Y-%m-%d %H:%M} local → "
            f"{flight.eroad.destination.code}   {flight.loaded_pieces} pieces, "
            f"{flight.loaded_kg} kg   page {page}",
        )
        pdf.setFont("Helvetica-Bold", 9)
        for index, title in enumerate(MANIFEST_COLUMNS):
            pdf.drawString((15 + index * 42) * mm, size[1] - 30 * mm, title)
        pdf.setFont("Helvetica", 9)

    page, y = 1, 0
    header(page)
    y = size[1] - 36 * mm
    for row in rows:
        if y < 15 * mm:
            pdf.showPage()
            page += 1
            header(page)
            y = size[1] - 36 * mm
        for index, value in enumerate(row):
            pdf.drawString((15 + index * 42) * mm, y, value)
        y -= 5 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
