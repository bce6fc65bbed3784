# mlinfra: `make help` lists the targets.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help install index run test lint bench clean

help:  ## show this help
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# The CPU build of torch is pinned first, so nothing pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q torch==2.13.0
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) index  ## create .venv, install mlinfra (CPU torch), build the index

index: $(STAMP)  ## (re)index knowledge/ incrementally
	$(VENV)/bin/mlinfra ingest

run: install  ## start the assistant (a chat in the terminal)
	$(VENV)/bin/mlinfra chat

test: $(STAMP)  ## run the test suite
	$(PY) -m pytest -q

lint: $(STAMP)  ## ruff check, ruff format --check, mypy
	$(VENV)/bin/ruff check assistant tests
	$(VENV)/bin/ruff format --check assistant tests
	$(VENV)/bin/mypy assistant

clean:  ## remove the index and caches (keeps .venv)
	rm -rf .mlinfra .pytest_cache .mypy_cache .ruff_cache

bench: install  ## index size, ingest, cold/warm ask, recall@5 (medians)
	$(PY) evals/bench_foundation.py
