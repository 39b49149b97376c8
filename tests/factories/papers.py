"""PDFs with chosen text on each page, for tests that read, anchor or compare page text."""

from __future__ import annotations

import unicodedata

from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF

from cabinet.records.documents.paper_render import FONT_FILES, _font_path


def text_pdf_bytes(pages: list[str]) -> bytes:
    """An A4 PDF whose page n shows pages[n-1] (paragraphs separated by blank lines wrap)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("Serif", "", str(_font_path(FONT_FILES[""])))
    pdf.set_font("Serif", "", 12)
    pdf.set_margins(left=25, top=20, right=20)
    pdf.set_auto_page_break(auto=False)
    pdf.set_creator("tests")
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, unicodedata.normalize("NFC", text))
    return bytes(pdf.output())


def text_pdf_upload(pages: list[str], name: str = "tai-lieu.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text_pdf_bytes(pages), content_type="application/pdf")
