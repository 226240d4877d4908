"""Reading a PDF: opened once; its pages read from the text layer (``pdf_tables``), or, when no
page has a character (a scan), from the page images with OCR (``pdf_ocr``); either way put
together by ``pages.assemble``."""

from collections.abc import Callable

from transforms.model import Document
from transforms.readers import pdf_ocr, pdf_tables
from transforms.readers.pages import assemble
from transforms.readers.pdf_objects import read_pdf
from transforms.readers.settings import DEFAULT, ReaderSettings


def pdf_document(data: bytes, settings: ReaderSettings = DEFAULT,
                 ocr_started: Callable[[], None] | None = None) -> Document:
    """The document's lines and rows; ``ocr_started`` is told before a scan is read with OCR."""
    pdf, drawings = read_pdf(data, settings)
    try:
        if drawings is not None:
            return assemble(pdf_tables.pages(drawings, settings), settings.margin)
        if ocr_started is not None:
            ocr_started()
        return assemble(pdf_ocr.pages(pdf, settings), settings.margin, ocr=True)
    finally:
        pdf.close()
