"""Imported by the forkserver that forks the reading workers, after the readers the run needs
(``reading.pool.read_files`` names them): the gazetteer is indexed there, so that every worker
starts with it in memory instead of building it again, and then everything loaded so far is frozen
(``gc.freeze``): the workers' cyclic collector skips it, and their pages of it stay shared. The OCR
library and its models are not loaded: a worker loads them when it first meets a scan, so a run
without scans never pays for them."""

import gc

from transforms import gazetteer

gazetteer._index()
gc.freeze()
