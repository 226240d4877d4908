"""The package installs whole: a wheel built from the source carries the template catalog."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from transforms import catalog

ROOT = Path(__file__).parents[1]
READ_CATALOG = """
import json, transforms, transforms.catalog as c
print(json.dumps({"file": transforms.__file__, "items": len(c.items()), "columns": len(c.columns()),
                  "cells": {t: len(c.cells(t)) for t in c.TEMPLATES}, "labels": len(c.labels("item"))}))
"""


@pytest.mark.slow
def test_the_wheel_installs_the_catalog_into_a_fresh_virtualenv(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for package in ("cli", "expectations", "fetching", "pipelines", "reading", "transforms", "warehouse", "web"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    build = f"from setuptools import build_meta; print(build_meta.build_wheel({str(dist)!r}))"
    wheel = dist / subprocess.run([sys.executable, "-c", build], cwd=source, check=True,
                                  capture_output=True, text=True).stdout.strip().splitlines()[-1]
    shipped = sorted(n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("transforms/template/"))
    assert shipped == sorted(f"transforms/template/{p.name}" for p in catalog.TEMPLATE_DIR.glob("*.csv"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = subprocess.run([python, "-I", "-c", READ_CATALOG], cwd=elsewhere, check=True,
                         capture_output=True, text=True).stdout
    got = json.loads(out)
    assert Path(got.pop("file")).is_relative_to(venv / "lib")
    assert got == {
        "items": len(catalog.items()),
        "columns": len(catalog.columns()),
        "cells": {t: len(catalog.cells(t)) for t in catalog.TEMPLATES},
        "labels": len(catalog.labels("item")),
    }
