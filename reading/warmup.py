"""Imported once by the forkserver that forks the reading workers: the readers and the gazetteer
are loaded there, so every worker starts with them in memory instead of loading them again."""

from transforms import gazetteer, reports  # noqa: F401

gazetteer._index()
