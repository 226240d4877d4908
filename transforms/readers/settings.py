"""The readers' tolerances and thresholds, in one typed object (as pdfplumber's ``TableSettings``),
built once per run and passed to every reader."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """Distances in points, shares of the page height.

    margin: top and bottom share of the page where running headers and footers sit.
    word_gap: points between two characters that split a text line into tokens.
    cell_gap: points between two characters of a table cell that read as a space.
    tolerance: pdfplumber's defaults for snapping, joining and intersecting ruling lines.
    axis: a segment whose ends are closer than this across its direction is horizontal or vertical.
    dpi: a scanned page is rendered at this resolution for OCR, whatever the resolution of its scan.
    low_confidence: a cell recognised by OCR with a lower score is flagged for a steward to check.
    recognizer: the OCR engine, a name in ``recognizer.RECOGNIZERS``.
    """

    margin: float = 0.07
    word_gap: float = 1.5
    cell_gap: float = 3.0
    tolerance: float = 3
    axis: float = 0.01
    dpi: int = 200
    low_confidence: float = 0.9
    recognizer: str = "rapidocr"


DEFAULT = ReaderSettings()
