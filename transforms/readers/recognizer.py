"""The OCR engine behind the scanned-PDF reader: a small ``Recognizer`` protocol and its
implementations, chosen by name in ``ReaderSettings.recognizer``.

``RapidOCR`` is RapidOCR's PP-OCR models, shipped inside its wheel; it runs on one thread so that
a file reads the same on any machine.
"""

import functools
from collections.abc import Callable
from typing import Protocol

import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the image


class Recognizer(Protocol):
    def recognise(self, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        """The text of each grey-level image of one line of text, and its score (0 to 1)."""

    def detect(self, image: np.ndarray) -> list[tuple[Box, str, float]]:
        """The text boxes found on a grey-level image, each with its text and score."""


class RapidOCR:
    """RapidOCR, loaded once per process from the models inside the rapidocr package: text is
    detected on the page shrunk to 960 pixels (PaddleOCR's default) and recognised at full size."""

    def __init__(self):
        from rapidocr_onnxruntime import RapidOCR as Engine

        self.engine = Engine(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False,
                             det_limit_side_len=960, det_limit_type="max", rec_batch_num=16)

    def recognise(self, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        import cv2

        return self.engine.text_rec([cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in lines])[0]

    def detect(self, image: np.ndarray) -> list[tuple[Box, str, float]]:
        import cv2

        found, _ = self.engine(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), use_cls=False)
        boxes = []
        for points, text, score in found or []:
            xs, ys = [pt[0] for pt in points], [pt[1] for pt in points]
            boxes.append(((int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))), text, score))
        return boxes


RECOGNIZERS: dict[str, Callable[[], Recognizer]] = {"rapidocr": RapidOCR}


@functools.cache
def recognizer(name: str) -> Recognizer:
    """The recogniser of that name, made once per process (its models are loaded when it is made)."""
    return RECOGNIZERS[name]()
