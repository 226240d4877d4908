"""The PP-OCR models shipped in the rapidocr wheel, run directly with onnxruntime: text lines
recognised each at its own width, and text boxes detected in a page image.

RapidOCR pads every line it recognises to at least 320 pixels (and, in a batch, to the widest
line), so a number 60 pixels wide costs as much as a line of 320, and the padding changes what is
read. Here each line is scaled to the model's height and run at its own width; lines of the same
width are batched together, so batching never pads and a line reads the same alone or in a batch
(tests/reading/golden checks it). Each session runs on one thread without spinning and
without onnxruntime's memory arena, so a reading worker stays small on a shared machine; the
models are loaded once per process, and only when a scan is read.
"""

import functools
import math
from pathlib import Path

import cv2
import numpy as np

HEIGHT = 48  # the recognition model's line height
MIN_WIDTH = 16  # a narrower line (a lone "1") is widened with paper to this
BATCH = 32  # lines of one width run together
DET_SCALE = 0.6  # detection runs on the image at this scale (a 200 dpi page at 120 dpi)


def _models() -> Path:
    import rapidocr_onnxruntime

    return Path(rapidocr_onnxruntime.__file__).parent / "models"


def _session(name: str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 4
    return ort.InferenceSession(str(_models() / name), sess_options=options, providers=["CPUExecutionProvider"])


@functools.cache
def _recogniser():
    from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

    session = _session("ch_PP-OCRv4_rec_infer.onnx")
    characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return session, CTCLabelDecode(character=characters)


@functools.cache
def _detector():
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess

    post = DBPostProcess(thresh=0.3, box_thresh=0.5, max_candidates=1000, unclip_ratio=1.6, score_mode="fast",
                         use_dilation=True)
    return _session("ch_PP-OCRv4_det_infer.onnx"), post


def _line_input(gray: np.ndarray) -> np.ndarray:
    """A grey line image as the model reads it: HEIGHT tall at its own width, scaled to [-1, 1]."""
    h, w = gray.shape
    line = cv2.resize(gray, (math.ceil(HEIGHT * w / h), HEIGHT))
    if line.shape[1] < MIN_WIDTH:
        line = cv2.copyMakeBorder(line, 0, 0, 0, MIN_WIDTH - line.shape[1], cv2.BORDER_CONSTANT, value=int(line.max()))
    return np.repeat((line.astype(np.float32) / 127.5 - 1.0)[np.newaxis], 3, axis=0)


def recognise(lines: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, score) of each grey line image, in order; lines of equal width are run as one batch."""
    if not lines:
        return []
    session, decode = _recogniser()
    name = session.get_inputs()[0].name
    inputs = [_line_input(g) for g in lines]
    by_width: dict[int, list[int]] = {}
    for i, x in enumerate(inputs):
        by_width.setdefault(x.shape[2], []).append(i)
    out: list[tuple[str, float]] = [("", 0.0)] * len(lines)
    for indices in by_width.values():
        for start in range(0, len(indices), BATCH):
            chunk = indices[start:start + BATCH]
            preds = session.run(None, {name: np.stack([inputs[i] for i in chunk])})[0]
            for i, (text, score) in zip(chunk, decode(preds), strict=True):
                out[i] = (text, float(score))
    return out


def detect(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1, pixels of ``gray``) of the text lines the detection model finds."""
    h, w = gray.shape
    rh, rw = max(32, round(h * DET_SCALE / 32) * 32), max(32, round(w * DET_SCALE / 32) * 32)
    image = cv2.resize(gray, (rw, rh)).astype(np.float32) / 127.5 - 1.0
    session, post = _detector()
    pred = session.run(None, {session.get_inputs()[0].name: np.repeat(image[np.newaxis, np.newaxis], 3, axis=1)})[0]
    quads, _ = post(pred, (h, w))
    boxes = []
    for quad in quads:
        xs, ys = np.clip(quad[:, 0], 0, w), np.clip(quad[:, 1], 0, h)
        x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(math.ceil(xs.max())), int(math.ceil(ys.max()))
        if x1 - x0 > 3 and y1 - y0 > 3:
            boxes.append((x0, y0, x1, y1))
    return boxes
