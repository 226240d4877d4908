"""The readers: a report file's bytes in, a ``Document`` out (its text lines and its rows of
cells, each cell with its text and where it was printed).

``read`` is the one door: the registry ``FORMATS`` names each format, how it is recognised (the
file's extension, and the bytes it starts with) and its reader, a function of this package's
modules, imported when a file of the format is first read (so that naming the formats loads no
PDF or OCR library). Steps to add a format: docs/architecture.md.
"""

import contextlib
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol

from transforms.model import Document, ReadError
from transforms.readers.settings import DEFAULT, ReaderSettings


class Reader(Protocol):
    def __call__(self, data: bytes, settings: ReaderSettings = DEFAULT,
                 ocr_started: Callable[[], None] | None = None) -> Document:
        """The document of a file's bytes; ReadError with a steward's reason when it cannot be read;
        ``ocr_started`` is told before page images are read with OCR (which may take longer)."""


@dataclass(frozen=True)
class Format:
    name: str  # reports.format
    extensions: tuple[str, ...]  # lower case, with the dot
    magic: tuple[bytes, ...]  # what a file of the format starts with (empty: no fixed start)
    reader: str  # module.function of this package, a Reader
    paged: bool = False  # its cells are placed by page and box (the workbench shows page crops)

    @property
    def module(self) -> str:
        """The module that holds the reader."""
        return f"{__name__}.{self.reader.rsplit('.', 1)[0]}"

    def load(self) -> Reader:
        return getattr(importlib.import_module(self.module), self.reader.rsplit(".", 1)[1])


FORMATS = (
    Format("text", (".txt", ".md"), (), "text_layout.text_document"),
    Format("pdf", (".pdf",), (b"%PDF",), "pdf.pdf_document", paged=True),
    Format("docx", (".docx",), (b"PK\x03\x04",), "docx_tables.docx_document"),
    Format("html", (".html", ".htm", ".shtml", ".xhtml"), (), "html_tables.html_document"),
    # Word 97–2003 and WPS Office (the same binary format): an OLE2 compound file
    Format("doc", (".doc", ".wps"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), "legacy_word.legacy_word_document"),
)
BY_NAME = {f.name: f for f in FORMATS}
SAVE_AS = (".rtf",)  # formats with no reader that Word or WPS saves as .docx or PDF


def format_of(name: str, data: bytes = b"") -> Format:
    """The format of a file named ``name``: its extension's, unless that format has a fixed start
    the bytes lack and another format's start they carry (a .docx saved under .pdf); ReadError
    for an extension no reader knows."""
    suffix = PurePath(name).suffix.lower()
    named = next((f for f in FORMATS if suffix in f.extensions), None)
    if named is None:
        hint = " (save it as .docx or PDF)" if suffix in SAVE_AS else ""
        raise ReadError(f"unsupported file type '{suffix or PurePath(name).name}'{hint}")
    if named.magic and not data.startswith(named.magic):
        return next((f for f in FORMATS if f.magic and data.startswith(f.magic)), named)
    return named


def read(data: bytes, fmt: str, settings: ReaderSettings = DEFAULT, *,
         ocr_started: Callable[[], None] | None = None) -> Document:
    """The document of a file of format ``fmt`` (a name in ``FORMATS``)."""
    return BY_NAME[fmt].load()(data, settings, ocr_started)


def modules(names: Iterable[str]) -> list[str]:
    """The reader modules of the formats that files named ``names`` have by their extension (the
    reading workers' forkserver imports them, so that workers start with them and a run without
    PDFs never loads pdfium); an extension no reader knows adds none."""
    found = set()
    for name in names:
        with contextlib.suppress(ReadError):
            found.add(format_of(name).module)
    return sorted(found)
