"""Reading a PDF: opened once; its pages read from the text layer (``pdf_tables``), or, when no
page has a character (a scan), from the page images with OCR (``pdf_ocr``); either way put
together by ``pages.assemble``. A text PDF's pages with no character but an image (a scanned
page inserted) are read with OCR, page by page."""

from collections.abc import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

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
            pages = pdf_tables.pages(drawings, settings)
            scanned = tuple(d.no for d in drawings if not d.chars and _has_image(pdf[d.no - 1]))
            if scanned and ocr_started is not None:
                ocr_started()
            for no in scanned:
                pages[no - 1] = pdf_ocr.image_page(pdf[no - 1], no, settings)
            return assemble(pages, settings.margin, ocr_pages=scanned)
        if ocr_started is not None:
            ocr_started()
        return assemble(pdf_ocr.pages(pdf, settings), settings.margin, ocr=True)
    finally:
        pdf.close()


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))
