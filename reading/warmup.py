"""Imported once by the forkserver that forks the reading workers: the readers and the gazetteer
are loaded there, so every worker starts with them in memory instead of loading them again. The
OCR library and its models are not: a worker loads them when it first meets a scan, so a run
without scans never pays for them."""

from transforms import gazetteer, readers, reports  # noqa: F401

readers.preload()
gazetteer._index()
