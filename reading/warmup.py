"""Imported once by the forkserver that forks the reading workers: the readers, the gazetteer and
the OCR library are loaded there, so every worker starts with them in memory instead of loading
them again (the OCR models themselves are loaded by a worker when it first meets a scan)."""

import rapidocr_onnxruntime  # noqa: F401

from transforms import gazetteer, readers, reports  # noqa: F401

readers.preload()
gazetteer._index()
