"""The printable declaration: an A4 PDF with the parties, the goods, the assessment line by
line with rule and legal source, the lane and the history, as the SME files it with its
shipping papers and the officer signs it off. Text is escaped: it is user input.

A registered seller's LVG return for one taxable period, as CSV and XLSX."""

import csv
import datetime
import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .lvg import LvgReturn, LvgSale
from .models import Declaration
from .selectors import declaration_customs_value

GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
    ]
)


# Helvetica has no Chinese glyphs: text that holds any (a consignee, a description, a country
# name in Chinese) is set in Adobe's Song CID font, which PDF readers carry, so nothing is
# embedded and it prints everywhere.
CJK_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def paragraph(text, style) -> Paragraph:
    text = str(text)
    if any(ord(char) >= 0x2E80 for char in text):
        style = style.clone(f"{style.name}-cjk", fontName=CJK_FONT)
    return Paragraph(escape(text), style)


def pdf_styles():
    """reportlab's sample styles, and the small body text of tables."""
    styles = getSampleStyleSheet()
    return styles, styles["BodyText"].clone("small", fontSize=8, leading=10)


def a4_document(buffer, *, title: str) -> SimpleDocTemplate:
    """An A4 page with 15 mm margins, as the hub's customs documents are printed."""
    margin = 15 * mm
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
    )


def declaration_pdf(declaration: Declaration, *, for_officer: bool = False) -> bytes:
    """``for_officer``: the history with the risk engine's reasons and the officers' names;
    otherwise as the declarant sees it."""
    styles, small = pdf_styles()
    buffer = io.BytesIO()
    document = a4_document(buffer, title=f"Declaration {declaration.reference}")
    d = declaration
    value = declaration_customs_value(declaration=d)
    facts = [
        ("Reference", d.reference),
        ("Regime", d.get_regime_display()),
        ("Hub", f"{d.hub.code} {d.hub.name}"),
        ("Status", f"{d.get_status_display()}{f' ({d.lane} lane)' if d.lane else ''}"),
        ("Declared on", d.declared_on.isoformat()),
        ("Exporter", d.exporter),
        ("Importer", f"{d.importer} {d.importer_id_reference}".strip()),
        ("Declarant", d.declarant),
        ("Order", d.order.reference if d.order_id else "—"),
        ("House waybill", d.waybill or "—"),
        ("Incoterm", d.incoterm),
        ("Goods (FOB)", f"{value.fob} {d.currency}"),
        ("Freight", f"{value.freight} {d.currency}"),
        ("Insurance", f"{value.insurance} {d.currency}"),
        ("Customs value (CIF)", f"{value.cif} {d.currency}"),
        (
            "Exchange rate",
            f"1 {d.currency} = {d.exchange_rate:.6f} {d.customs_currency} "
            f"({d.exchange_rate_source})",
        ),
    ]
    if d.fta_agreement:
        facts.append(("Preference claimed", f"{d.fta_agreement}, certificate {d.fta_certificate}"))
    if d.lvg_registration_number:  # sold by a seller registered for LVG sales tax
        facts.append(("LVG registration number", d.lvg_registration_number))
    story = [
        Paragraph(f"Goods declaration {escape(d.reference)}", styles["Title"]),
        Table(
            [[paragraph(k, small), paragraph(v, small)] for k, v in facts],
            colWidths=[40 * mm, 140 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(0, 5 * mm),
        Paragraph("Goods", styles["Heading3"]),
        Table(
            [["#", "HS", "Description", "Origin", "Qty", "Net kg", f"Value {d.currency}"]]
            + [
                [
                    i.line_no,
                    i.hs_code,
                    paragraph(i.description, small),
                    i.origin.code,
                    i.quantity,
                    i.net_weight_kg,
                    i.value,
                ]
                for i in d.items.all()
            ],
            colWidths=[8 * mm, 20 * mm, 82 * mm, 14 * mm, 14 * mm, 18 * mm, 24 * mm],
            style=GRID,
            repeatRows=1,
        ),
        Spacer(0, 5 * mm),
        Paragraph(f"Assessment ({escape(d.treatment or 'not assessed')})", styles["Heading3"]),
        Table(
            [["#", "Tax", "Base", "Rate", "Rule and legal source", f"{d.customs_currency}"]]
            + [
                [
                    line.line_no,
                    line.tax,
                    line.base,
                    paragraph(line.rate, small),
                    paragraph(f"{line.rule} ({line.legal_source})", small),
                    line.amount,
                ]
                for line in d.assessment_lines.all()
            ]
            + [["", "Total", "", "", "", d.total_tax]],
            colWidths=[8 * mm, 24 * mm, 22 * mm, 24 * mm, 78 * mm, 24 * mm],
            style=GRID,
            repeatRows=1,
        ),
        Spacer(0, 5 * mm),
        Paragraph("History", styles["Heading3"]),
        Table(
            [["When (UTC)", "From → to", "By", "Reason"]]
            + [
                [
                    f"{t.created_at:%Y-%m-%d %H:%M}",
                    f"{t.from_status or '—'} → {t.to_status}",
                    paragraph(t.actor_label if for_officer else t.public_actor, small),
                    paragraph(t.reason if for_officer else t.public_reason, small),
                ]
                for t in d.transitions.all()
            ],
            colWidths=[28 * mm, 32 * mm, 40 * mm, 80 * mm],
            style=GRID,
            repeatRows=1,
        ),
    ]
    document.build(story)
    return buffer.getvalue()


# --- the LVG return ------------------------------------------------------------------------


def _headers() -> list[str]:
    return [
        _("Order"),
        _("Ordered on"),
        _("Declaration"),
        _("Declared on"),
        _("Sale value (MYR)"),
        _("Sales tax charged (MYR)"),
    ]


def _cells(sale: LvgSale) -> list:
    return [sale.order, sale.ordered_on, sale.declaration, sale.declared_on, sale.value, sale.tax]


def lvg_return_filename(ret: LvgReturn, extension: str) -> str:
    return f"lvg-return-{ret.registration.number}-{ret.period.key}.{extension}"


def lvg_return_csv(ret: LvgReturn) -> bytes:
    """One row per sale and a row of totals, as CSV (UTF-8 with a BOM, so spreadsheets read
    the names right); dates ISO 8601, amounts with two decimals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headers())
    for sale in ret.sales:
        writer.writerow(["" if cell is None else str(cell) for cell in _cells(sale)])
    writer.writerow([_("Total"), "", "", "", str(ret.total_value), str(ret.total_tax)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def lvg_return_xlsx(ret: LvgReturn) -> bytes:
    """The same rows as a workbook, under a heading that names the seller, the registration
    and the period."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("LVG return")[:31]
    period = ret.period
    for label, value in (
        (_("Seller"), ret.seller),
        (_("LVG registration number"), ret.registration.number),
        (_("Taxable period"), f"{period.start.isoformat()} – {period.end.isoformat()}"),
        (_("Return and payment due by"), period.due_on.isoformat()),
    ):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(_headers())
    for sale in ret.sales:
        sheet.append(_cells(sale))
    sheet.append([_("Total"), None, None, None, ret.total_value, ret.total_tax])
    for row in sheet.iter_rows(min_row=7, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.00"
    for row in sheet.iter_rows(min_row=7, max_col=4):
        for cell in row:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
