"""The OCR engine behind the scanned-PDF reader: a small ``Recognizer`` protocol and its
implementations, chosen by name in ``ReaderSettings.recognizer``.

``RapidOCR`` is RapidOCR's PP-OCR models (shipped inside its wheel) run directly with
onnxruntime. RapidOCR's own pipeline pads every line it recognises to at least 320 pixels (and, in
a batch, to the widest line), so a number 60 pixels wide costs as much as a line of 320, and the
padding changes what is read. Here each line is scaled to the model's height and run at its own
width; lines of the same width are batched together, so batching never pads and a line reads the
same alone or in a batch (tests/reading/golden checks it). A batch holds at most ``COLUMNS``
columns of input: the model's cost per column is lowest there (about a third lower than in a batch
of 32 lines of 100 columns on one core), and its working memory stays small. Text boxes are
detected on the image at ``DET_SCALE``. The models' graphs are folded when loaded (``onnx_fold``:
the same function in fewer passes, a fifth less CPU). Each session runs on one thread without
spinning and without onnxruntime's memory arena, so that a file reads the same on any machine and a reading
worker stays small on a shared one; the models are loaded once per process, when the first scan is read.
"""

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the image
HEIGHT = 48  # the recognition model's line height
MIN_WIDTH = 16  # a narrower line (a lone "1") is widened with paper to this
PIECE = 256  # a longer line is read in pieces of about this many columns, cut at blank gaps
COLUMNS = 256  # the most columns of input (lines of one width side by side) run together
DET_SCALE = 0.6  # detection runs on the image at this scale (a 200 dpi page at 120 dpi)
REC_MODEL, DET_MODEL = "ch_PP-OCRv4_rec_infer.onnx", "ch_PP-OCRv4_det_infer.onnx"


class Recognizer(Protocol):
    def recognise(self, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        """The text of each grey-level image of one line of text, and its score (0 to 1)."""

    def detect(self, image: np.ndarray) -> list[tuple[Box, str, float]]:
        """The text boxes found on a grey-level image, each with its text and score."""


def model_file(name: str) -> Path:
    """A model file shipped inside RapidOCR's wheel."""
    import rapidocr_onnxruntime

    return Path(rapidocr_onnxruntime.__file__).parent / "models" / name


def session(model):
    """An onnxruntime session of an ``onnx`` model: one thread, no spinning, no memory arena."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 4
    return ort.InferenceSession(model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"])


def _folded(name: str):
    """The model file ``name``, its graph folded (``onnx_fold``)."""
    import onnx

    from transforms.readers.onnx_fold import fold

    model = onnx.load(model_file(name))
    fold(model)
    return model


class RapidOCR:
    """RapidOCR's PP-OCRv4 detection and recognition models and its decoders, loaded once."""

    def __init__(self):
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess
        from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

        self.rec = session(_folded(REC_MODEL))
        self.decode = CTCLabelDecode(character=self.rec.get_modelmeta().custom_metadata_map["character"].splitlines())
        self.det = session(_folded(DET_MODEL))
        self.boxes = DBPostProcess(thresh=0.3, box_thresh=0.5, max_candidates=1000, unclip_ratio=1.6,
                                   score_mode="fast", use_dilation=True)

    def recognise(self, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        """Lines of equal width (once scaled to HEIGHT) are run in batches of at most COLUMNS, never
        padded; a long line is read in pieces cut at blank gaps (``pieces``) and its text joined."""
        inputs, owners = [], []
        for i, g in enumerate(lines):
            for piece in pieces(line_input(g)):
                inputs.append(piece)
                owners.append(i)
        by_width: dict[int, list[int]] = {}
        for k, x in enumerate(inputs):
            by_width.setdefault(x.shape[2], []).append(k)
        read: list[tuple[str, float]] = [("", 0.0)] * len(inputs)
        name = self.rec.get_inputs()[0].name
        for width, indices in by_width.items():
            size = max(1, COLUMNS // width)
            for start in range(0, len(indices), size):
                chunk = indices[start:start + size]
                preds = self.rec.run(None, {name: np.stack([inputs[k] for k in chunk])})[0]
                for k, (text, score) in zip(chunk, self.decode(preds), strict=True):
                    read[k] = (text, float(score))
        parts: list[list[tuple[str, float]]] = [[] for _ in lines]
        for owner, reading in zip(owners, read, strict=True):
            parts[owner].append(reading)
        return [_joined(p) for p in parts]

    def detect(self, image: np.ndarray) -> list[tuple[Box, str, float]]:
        """Boxes found at DET_SCALE, each recognised at full size from ``image``."""
        import cv2

        h, w = image.shape
        rh, rw = max(32, round(h * DET_SCALE / 32) * 32), max(32, round(w * DET_SCALE / 32) * 32)
        scaled = cv2.resize(image, (rw, rh)).astype(np.float32) / 127.5 - 1.0
        batch = np.repeat(scaled[np.newaxis, np.newaxis], 3, axis=1)
        pred = self.det.run(None, {self.det.get_inputs()[0].name: batch})[0]
        quads, _ = self.boxes(pred, (h, w))
        found = []
        for quad in quads:
            xs, ys = np.clip(quad[:, 0], 0, w), np.clip(quad[:, 1], 0, h)
            box = (int(xs.min()), int(ys.min()), int(math.ceil(xs.max())), int(math.ceil(ys.max())))
            if box[2] - box[0] > 3 and box[3] - box[1] > 3:
                found.append(box)
        readings = self.recognise([np.ascontiguousarray(image[y0:y1, x0:x1]) for x0, y0, x1, y1 in found])
        return [(box, text, score) for box, (text, score) in zip(found, readings, strict=True)]


def line_input(gray: np.ndarray) -> np.ndarray:
    """A grey line image as the model reads it: HEIGHT tall at its own width (at least MIN_WIDTH,
    widened with paper), scaled to [-1, 1], in three channels."""
    import cv2

    h, w = gray.shape
    line = cv2.resize(gray, (math.ceil(HEIGHT * w / h), HEIGHT))
    if line.shape[1] < MIN_WIDTH:
        line = cv2.copyMakeBorder(line, 0, 0, 0, MIN_WIDTH - line.shape[1], cv2.BORDER_CONSTANT, value=int(line.max()))
    return np.repeat((line.astype(np.float32) / 127.5 - 1.0)[np.newaxis], 3, axis=0)


def pieces(x: np.ndarray) -> list[np.ndarray]:
    """A model input longer than ``PIECE`` columns cut in the middle of blank gaps (columns with no
    ink) into pieces of about ``PIECE``: the model costs more per column on a long line (a third
    more at 1,000 columns than at 250). Where no blank gap falls in the window, the rest stays whole."""
    width = x.shape[2]
    if width <= PIECE * 3 // 2:
        return [x]
    gray = x[0]
    paper, ink = float(np.median(gray)), float(gray.min())
    blank = gray.min(axis=0) > paper - 0.2 * (paper - ink)
    cuts, start = [0], 0
    while width - start > PIECE * 3 // 2:
        lo, hi = start + PIECE // 2, start + PIECE * 5 // 4
        runs, i = [], lo
        while i < hi:  # blank runs that start inside the window
            if blank[i]:
                j = i
                while j < width and blank[j]:
                    j += 1
                runs.append((j - i, -abs((i + j) // 2 - start - PIECE), (i + j) // 2))
                i = j
            else:
                i += 1
        if not runs:
            break
        start = max(runs)[2]
        cuts.append(start)
    cuts.append(width)
    return [np.ascontiguousarray(x[:, :, a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]


def _joined(parts: list[tuple[str, float]]) -> tuple[str, float]:
    """The pieces' texts joined, scored as the mean over all their characters (as one reading is)."""
    if len(parts) == 1:
        return parts[0]
    chars = sum(len(t) for t, _ in parts)
    if not chars:
        return "", min(s for _, s in parts)
    return "".join(t for t, _ in parts), sum(s * len(t) for t, s in parts) / chars


RECOGNIZERS: dict[str, Callable[[], Recognizer]] = {"rapidocr": RapidOCR}


@functools.cache
def recognizer(name: str) -> Recognizer:
    """The recogniser of that name, made once per process (its models are loaded when it is made)."""
    return RECOGNIZERS[name]()
