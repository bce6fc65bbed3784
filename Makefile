# mlinfra: `make help` lists the targets.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

CHROMIUM := /usr/bin/chromium

.PHONY: help install index run chat test test-fast lint bench eval clean browser postgres openapi

help:  ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# The CPU build of torch is pinned first, so nothing pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q torch==2.13.0
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev,ui,server]'
	touch $(STAMP)

install: $(STAMP) index  ## create .venv, install mlinfra (CPU torch), build the index

index: $(STAMP)  ## (re)index knowledge/ incrementally
	$(VENV)/bin/mlinfra ingest

run: install  ## serve the web UI at http://localhost:8501
	$(VENV)/bin/streamlit run ui/app.py --server.port 8501 --server.address localhost \
		--server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal

chat: install  ## a chat in the terminal instead of the web UI
	$(VENV)/bin/mlinfra chat

# The browser test drives Debian's chromium through Python playwright (never
# `playwright install`); root installs it, anyone else is told how.
browser:  ## install Debian's chromium for the browser test
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
			|| { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
		else echo "browser test needs $(CHROMIUM): sudo apt-get install chromium"; fi; }

# The storage tests start their own PostgreSQL server (Debian's postgresql package).
PG_BIN := /usr/lib/postgresql/15/bin
postgres:  ## install Debian's PostgreSQL 15 for the storage tests
	@test -x $(PG_BIN)/initdb || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
			|| { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }; \
		else echo "storage tests need $(PG_BIN)/initdb: sudo apt-get install postgresql"; fi; }

test: $(STAMP) browser postgres  ## run the test suite
	$(PY) -m pytest -q

test-fast: $(STAMP) postgres  ## the test suite without the tests marked slow
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)  ## ruff check, ruff format --check, mypy, the import layers (lint-imports)
	$(VENV)/bin/ruff check assistant tests evals ui
	$(VENV)/bin/ruff format --check assistant tests evals ui
	$(VENV)/bin/mypy assistant
	$(VENV)/bin/lint-imports

openapi: $(STAMP)  ## write the HTTP API's OpenAPI document to docs/openapi.json
	$(PY) -m assistant.server.openapi docs/openapi.json

clean:  ## remove the index and caches (keeps .venv)
	rm -rf .mlinfra .pytest_cache .mypy_cache .ruff_cache

eval: install  ## the regression eval suite; writes evals/reports/latest.{md,json}
	$(VENV)/bin/mlinfra eval

# The scale run embeds SCALE_SIZES chunks (10,000 + 100,000 take about 40 minutes here);
# `make bench SCALE_SIZES=10000` for a quicker pass.
SCALE_SIZES ?= 10000 100000

bench: install  ## timings vs the textbook RAG (first sight and cache hits), no-op re-ingest at 100k chunks, UI, load, prices, scale (medians)
	$(PY) evals/bench_foundation.py
	$(PY) evals/bench_warm.py
	$(PY) evals/bench_reingest.py
	$(PY) evals/bench_ui.py
	$(PY) evals/bench_load.py
	$(PY) evals/bench_api.py
	$(PY) evals/bench_prices.py
	$(PY) evals/bench_scale.py --sizes $(SCALE_SIZES)
