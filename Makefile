# Two commands on a fresh machine: `make run` and `make test`. Both install from uv.lock (exact versions
# and hashes) with a pinned uv; `make lock` refreshes uv.lock after pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := .uv/bin/uv
STAMP := $(VENV)/.installed-stamp
WAREHOUSE ?= data/warehouse.duckdb
UV_PYTHON := --python $(PYTHON) --no-python-downloads

REAL_FORMATS := text_tab,text_tokens,html_utf8,docx,text_blocks,html_gbk,text_tab_gbk
NARRATIVE_FORMATS := text_tab,text_blocks,text_tokens,html_utf8,docx,pdf_reportlab,html_gbk,text_pipe

DEMO := data/demo
DEMO_WAREHOUSE := data/demo.duckdb
DEMO_BANNER := 演示数据：生成的报告，并非真实年报 · generated demo reports, not real data

.PHONY: help install lock browser run serve demo test accuracy bench corpus dev clean

help:  ## this list
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(UV): requirements-uv.txt
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --require-hashes -r requirements-uv.txt
	touch $(UV)

# --compile-bytecode: the libraries' .pyc are written once here, not left to the first import (which
# cannot write them where PYTHONDONTWRITEBYTECODE is set or the folder is read-only, and then compiles
# Dagster, Great Expectations and the rest from source on every start: seconds of each `gongkai` command)
$(STAMP): $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --locked --extra dev --compile-bytecode $(UV_PYTHON)
	touch $(STAMP)

install: $(STAMP)  ## .venv exactly as uv.lock says (dev extra included), the project editable (console script gongkai)

lock: $(UV)  ## refresh uv.lock from pyproject.toml (keeps the other pins; LOCK_ARGS=--upgrade moves all to the newest allowed)
	$(UV) lock $(UV_PYTHON) $(LOCK_ARGS)

run: install  ## ingest data/samples into data/warehouse.duckdb and print the summary
	$(BIN)/gongkai ingest data/samples --warehouse $(WAREHOUSE)

serve: install  ## the stewards' workbench on http://127.0.0.1:8765 (after `make run`)
	$(BIN)/gongkai serve --warehouse $(WAREHOUSE)

demo: install  ## generate a multi-province, multi-year corpus into data/demo/, ingest it into data/demo.duckdb and serve it (the analysis pages: /analysis)
	$(BIN)/python -m tools.corpus.demo $(DEMO)
	$(BIN)/gongkai ingest $(DEMO) --warehouse $(DEMO_WAREHOUSE) --quiet
	$(BIN)/gongkai serve --warehouse $(DEMO_WAREHOUSE) --landing $(DEMO) --banner "$(DEMO_BANNER)"

test: install browser  ## the linter (ruff, rules in pyproject.toml), then the test suite on TEST_WORKERS processes (default 2)
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(or $(TEST_WORKERS),2) --dist loadfile --no-loadscope-reorder

browser:  ## Debian's chromium and chromium-driver, for the tests that open the review page and the workbench
	@(command -v chromium && command -v chromedriver) >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

accuracy: install  ## reader accuracy on tests/corpus (its scanned files on their own line), data/samples and data/real against their truth
	$(BIN)/python -m tools.accuracy tests/corpus tests/corpus/scanned data/samples data/real

bench: install  ## the benchmark (BENCH_REPORTS=1000; BENCH_ARGS=--no-baseline skips the PDF comparison, "--only startup" measures start-up alone); figures in data/bench/results*.json
	$(BIN)/python -m tools.bench --reports $(or $(BENCH_REPORTS),1000) $(BENCH_ARGS)

corpus: install  ## regenerate tests/corpus (needs soffice and chromium: apt-get install libreoffice-writer-nogui chromium fonts-wqy-zenhei)
	rm -rf tests/corpus
	$(BIN)/python -m tools.corpus.generate tests/corpus --count 80
	$(BIN)/python -m tools.corpus.generate tests/corpus --start 80 --count 14 --seed 20261130 --real --formats $(REAL_FORMATS)
	$(BIN)/python -m tools.corpus.generate tests/corpus --start 94 --count 4 --seed 20261131 --real --formats text_pipe
	$(BIN)/python -m tools.corpus.generate tests/corpus --start 98 --count 6 --seed 20261203 --real --formats doc,wps
	$(BIN)/python -m tools.corpus.generate tests/corpus/scanned --scan-from tests/corpus --count 10 --start 80 --seed 20261130
	$(BIN)/python -m tools.corpus.generate tests/corpus/scanned --scan-from tests/corpus --scan-cases --start 90 --seed 20261203
	$(BIN)/python -m tools.corpus.generate tests/corpus/scanned --scan-from tests/corpus --faint --only 009 --count 1 --start 94 --seed 777
	$(BIN)/python -m tools.corpus.generate tests/corpus --start 110 --count 20 --seed 20261202 --narrative --formats $(NARRATIVE_FORMATS)

dev: install  ## the Dagster UI on http://127.0.0.1:3000
	mkdir -p data/dagster_home
	DAGSTER_HOME=$(abspath data/dagster_home) $(BIN)/dagster dev -w workspace.yaml

clean:  ## remove .venv, .uv, the warehouse and the Dagster home
	rm -rf $(VENV) .uv $(WAREHOUSE) data/dagster_home
