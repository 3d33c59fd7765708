"""The printable certificate of origin (Form E): an A4 PDF with the reference number, the
exporter and the consignee, the goods with their HS codes and origin criteria, the issuing
authority's certification and the validity, as customs/documents.py draws the declaration.
Text is escaped: it is user input.

Form E is completed in English (ACFTA Operational Certification Procedures), so its words
are not translated."""

import io

from django.utils import translation
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from .documents import GRID, a4_document, paragraph, pdf_styles
from .models import CertificateOfOrigin
from .models.origin import ORIGIN_RULES


def certificate_pdf(certificate: CertificateOfOrigin) -> bytes:
    """Form E is made out in English, whoever asks for it: country names too."""
    with translation.override("en"):
        return _certificate_pdf(certificate)


def _certificate_pdf(certificate: CertificateOfOrigin) -> bytes:
    styles, small = pdf_styles()
    buffer = io.BytesIO()
    document = a4_document(buffer, title=f"Form E {certificate.number}")
    c = certificate
    facts = [
        ("Reference No.", c.number),
        ("1. Exporter", f"{c.exporter_name}, {c.origin_country.name}"),
        ("2. Consignee", f"{c.importer_name}, {c.importing_country.name}"),
        ("Issued in", f"{c.origin_country.name} (customs {c.hub.code}, issuing authority)"),
        ("Date of issue", c.issued_on.isoformat()),
        ("Valid until", c.valid_until.isoformat()),
    ]
    if c.status == CertificateOfOrigin.Status.REVOKED:
        facts.append(("REVOKED", f"{c.revoked_at:%Y-%m-%d}: {c.revoke_reason}"))
    story = [
        Paragraph("FORM E", styles["Title"]),
        Paragraph(
            "ASEAN–China Free Trade Area Preferential Tariff Certificate of Origin",
            styles["Heading3"],
        ),
        Table(
            [[paragraph(k, small), paragraph(v, small)] for k, v in facts],
            colWidths=[40 * mm, 140 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(0, 5 * mm),
        Table(
            [["5. Item", "7. Description of goods", "HS code", "8. Origin criterion", "9. FOB"]]
            + [
                [
                    line.line_no,
                    paragraph(line.description, small),
                    line.hs_code,
                    line.origin_criterion,
                    f"{line.fob_value} {line.currency}" if line.fob_value is not None else "",
                ]
                for line in c.lines.all()
            ],
            colWidths=[14 * mm, 86 * mm, 22 * mm, 28 * mm, 30 * mm],
            style=GRID,
            repeatRows=1,
        ),
        Spacer(0, 5 * mm),
        paragraph(
            "11. Declaration by the exporter: the undersigned declares that the above details "
            "and statements are correct, that all the goods were produced in "
            f"{c.origin_country.name} and that they comply with the origin requirements "
            "specified for these goods in the ASEAN–China Free Trade Area Preferential Tariff "
            f"for the goods exported to {c.importing_country.name}.",
            small,
        ),
        Spacer(0, 3 * mm),
        paragraph(
            "12. Certification: it is hereby certified, on the basis of control carried out, "
            f"that the declaration by the exporter is correct. Issued by customs {c.hub.code} "
            f"on {c.issued_on.isoformat()}.",
            small,
        ),
        Spacer(0, 3 * mm),
        paragraph(f"{ORIGIN_RULES}. {c.legal_source}.", small),
    ]
    document.build(story)
    return buffer.getvalue()
